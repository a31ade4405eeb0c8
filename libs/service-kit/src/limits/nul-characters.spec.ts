import { parse } from 'graphql';
import { findNulCharacter } from './nul-characters';

describe('findNulCharacter', () => {
  it('names the argument of a literal carrying NUL', () => {
    const error = findNulCharacter(parse('mutation { unsuppressAddress(channel: EMAIL, address: "a\\u0000b") }'), {});
    expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'address' });
  });

  it('names the input-object field of a nested literal', () => {
    const error = findNulCharacter(parse('mutation { createContact(input: { firstName: "x", notes: "\\u0000" }) { id } }'), {});
    expect(error?.extensions.field).toBe('input.notes');
  });

  it('names the variable path of a NUL inside variables, lists included', () => {
    const error = findNulCharacter(parse('mutation M($input: X!) { f(input: $input) }'), { input: { tags: ['ok', 'b\u0000'] } });
    expect(error?.extensions.field).toBe('input.tags[1]');
  });

  it('names a variable by the argument it is passed to', () => {
    const error = findNulCharacter(parse('mutation M($i: LoginInput!) { login(input: $i) { accessToken } }'), { i: { tenant: 'a\u0000' } });
    expect(error?.extensions.field).toBe('input.tenant');
  });

  it('lets other control characters and ordinary text through', () => {
    expect(findNulCharacter(parse('query { search(text: "tab\\there\\nline") { id } }'), { q: 'fine', n: 3, nothing: null })).toBeNull();
  });
});

import { cacheableFetch } from './cacheable-fetch';

describe('cacheableFetch', () => {
  it('keeps contact and account reads and their Contact and Account entities', () => {
    expect(cacheableFetch('query($id: ID!) { contact(id: $id) { id firstName } }', { id: '1' })).toBe(true);
    expect(cacheableFetch('query($id: ID!) { account(id: $id) { id name } }', { id: '1' })).toBe(true);
    const entities =
      'query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Contact { rfm { score } } } }';
    expect(cacheableFetch(entities, { representations: [{ __typename: 'Contact', id: '1' }] })).toBe(true);
    expect(
      cacheableFetch(entities, {
        representations: [
          { __typename: 'Contact', id: '1' },
          { __typename: 'Case', id: '2' },
        ],
      }),
    ).toBe(false);
  });

  it('reads everything else fresh', () => {
    expect(cacheableFetch('{ verifyAuditChain { ok } }', {})).toBe(false);
    expect(cacheableFetch('query($id: ID!) { contact(id: $id) { id } segment(id: $id) { memberCount } }', { id: '1' })).toBe(false);
    expect(cacheableFetch('query { ...F } fragment F on Query { contact(id: "1") { id } }', {})).toBe(false);
    expect(cacheableFetch(undefined, {})).toBe(false);
  });
});

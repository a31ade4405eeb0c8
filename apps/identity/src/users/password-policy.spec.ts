import { passwordProblem, validatePassword } from './password-policy';

describe('password policy', () => {
  it('takes 10 to 1024 characters, counted as code points', () => {
    expect(passwordProblem('correct horse')).toBeNull();
    expect(passwordProblem('short')).toBe('must be at least 10 characters');
    expect(passwordProblem('🔑🔑🔑🔑🔑🔑🔑🔑🔑x')).toBeNull();
    expect(passwordProblem('🔑🔑🔑🔑🔑')).toBe('must be at least 10 characters'); // 10 UTF-16 units, 5 characters
    expect(passwordProblem('x'.repeat(1024).replace(/^x/, 'y'))).toBeNull();
    expect(passwordProblem('xy'.repeat(513))).toBe('must be at most 1024 characters');
  });

  it('refuses blanks, one repeated character and the email address', () => {
    expect(passwordProblem(' '.repeat(12))).toBe('must not be only spaces');
    expect(passwordProblem('aaaaaaaaaaaa')).toBe('must not be one character repeated');
    expect(passwordProblem('Ada.Lovelace@Example.com', { email: 'ada.lovelace@example.com' })).toBe('must not be your email address');
    expect(passwordProblem('ada.lovelace', { email: 'ada.lovelace@example.com' })).toBe('must not be your email address');
    expect(passwordProblem('ada.lovelace!', { email: 'ada.lovelace@example.com' })).toBeNull();
  });

  it('throws BAD_USER_INPUT naming the field', () => {
    expect(() => validatePassword('input.password', 'short')).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input.password' }) }),
    );
    expect(validatePassword('input.password', 'long enough now')).toBe('long enough now');
  });
});

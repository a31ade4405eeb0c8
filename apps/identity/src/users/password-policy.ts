import { badUserInput } from '@rapport/auth';

/** Length is what makes a password hard to guess (NIST SP 800-63B); composition rules mostly make it hard to remember. */
export const PASSWORD_MIN_LENGTH = 10;
/** scrypt hashes any length, but a megabyte "password" is a denial of service, not a secret. */
export const PASSWORD_MAX_LENGTH = 1024;

/**
 * What is wrong with a new password, or null: one policy for every way a
 * password is set (createUser, the tenant CLI, an accepted invitation, a
 * reset). Characters are counted as code points, so an emoji is one.
 */
export function passwordProblem(password: string, context: { email?: string } = {}): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (password.trim() === '') return 'must not be only spaces';
  if (new Set(password).size === 1) return 'must not be one character repeated';
  const email = context.email?.trim().toLowerCase();
  const lower = password.toLowerCase();
  if (email && (lower === email || lower === email.slice(0, email.indexOf('@')))) return 'must not be your email address';
  return null;
}

/** Throws BAD_USER_INPUT naming `field` when the password breaks the policy. */
export function validatePassword(field: string, password: string, context: { email?: string } = {}): string {
  const problem = passwordProblem(password, context);
  if (problem) throw badUserInput(field, problem);
  return password;
}

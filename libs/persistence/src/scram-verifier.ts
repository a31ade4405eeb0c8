import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

const ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier Postgres stores for a password (RFC 5802/7677,
 * as `ALTER ROLE … PASSWORD` would compute it). Sending the verifier instead
 * of the password keeps the password itself out of the server's statement
 * log and pg_stat_activity when the migration sets a role's login.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16)): string {
  // NFKC is SASLprep's normalisation; its other mappings concern characters no generated password has.
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

import { createHash, randomBytes } from 'node:crypto';
import { badUserInput } from '@rapport/auth';
import type { GraphQLError } from 'graphql';

/**
 * The secret of an emailed link (invitation, password reset): 256 random
 * bits, base64url (43 characters, safe in a URL). Only its hash is stored.
 */
export function newOneTimeToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashOneTimeToken(token) };
}

/**
 * SHA-256, not a slow password hash: the token has 256 bits of entropy, so
 * there is nothing to brute-force, and a unique index finds it in one lookup.
 */
export function hashOneTimeToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Anything that cannot be one of our tokens is refused before a lookup. */
export function looksLikeOneTimeToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

/**
 * One answer for a link that is unknown, expired, already used or replaced:
 * the holder can only ask for a new one, whichever it was.
 */
export function invalidLink(): GraphQLError {
  return badUserInput('input.token', 'this link is invalid, has expired or was already used; ask for a new one');
}

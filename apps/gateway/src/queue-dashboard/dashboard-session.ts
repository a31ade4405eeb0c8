import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The dashboard's session cookie: the operator's access token and a MAC the
 * gateway adds when it signed the operator in with the operators' tenant.
 * The MAC is what ties the token to that tenant (an admin of any other tenant
 * holds a valid token too); the token itself is verified on every request,
 * so a revoked, demoted or deactivated admin loses the dashboard within the
 * revocation delay, like the API.
 */
export const SESSION_COOKIE = 'rapport_queues';

function mac(secret: string, token: string): string {
  return createHmac('sha256', secret).update(`queue-dashboard|${token}`).digest('base64url');
}

export function sessionCookieValue(secret: string, token: string): string {
  return `${token}~${mac(secret, token)}`;
}

/** The access token of a cookie the gateway issued, or null for anything else. */
export function tokenOfSession(secret: string, value: string | undefined): string | null {
  if (!value) return null;
  const at = value.lastIndexOf('~');
  if (at <= 0) return null;
  const token = value.slice(0, at);
  const given = Buffer.from(value.slice(at + 1));
  const expected = Buffer.from(mac(secret, token));
  return given.length === expected.length && timingSafeEqual(given, expected) ? token : null;
}

/** One cookie's value from a Cookie header (no parser dependency for one name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

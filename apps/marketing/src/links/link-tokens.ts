import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * What a signed link does. Links in messages work without login, so the
 * token itself must say — unforgeably — which tenant, message and action it
 * is for: a base64url JSON payload and an HMAC-SHA256 over it. A click
 * token carries its target, so the redirect needs no lookup and cannot be
 * turned into an open redirect (a changed target breaks the signature).
 */
export type LinkPayload =
  | { k: 'unsubscribe'; t: string; m: string }
  | { k: 'open'; t: string; m: string }
  | { k: 'click'; t: string; m: string; u: string }
  | { k: 'confirm'; t: string; c: string };

/**
 * The secret a link is signed with: its text, or (what LinkSigner keeps) a
 * KeyObject made from it once, the same HMAC key without turning the text
 * into key material for every link of every message (ADR 085).
 */
export type LinkSecret = string | KeyObject;

export const linkKey = (secret: string): KeyObject => createSecretKey(Buffer.from(secret, 'utf8'));

export function signLink(secret: LinkSecret, payload: LinkPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

/** The payload of a token this secret signed, or null for anything else (tampered, truncated, foreign). */
export function verifyLink(secret: LinkSecret, token: string): LinkPayload | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 2048) return null;
  const body = token.slice(0, dot);
  // Compared as text: base64url decoding forgives stray characters and spare bits, so several spellings would pass.
  const given = Buffer.from(token.slice(dot + 1), 'utf8');
  const expected = Buffer.from(mac(secret, body), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LinkPayload;
    return isPayload(payload) ? payload : null;
  } catch {
    return null;
  }
}

function mac(secret: LinkSecret, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isPayload(p: LinkPayload): boolean {
  if (typeof p !== 'object' || p === null || !UUID.test(String(p.t))) return false;
  switch (p.k) {
    case 'unsubscribe':
    case 'open':
      return UUID.test(String(p.m));
    case 'click':
      return UUID.test(String(p.m)) && typeof p.u === 'string' && /^https?:\/\//i.test(p.u);
    case 'confirm':
      return UUID.test(String(p.c));
    default:
      return false;
  }
}

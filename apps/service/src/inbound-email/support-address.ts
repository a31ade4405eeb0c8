import { randomBytes } from 'node:crypto';

/**
 * Addresses of the support mailboxes (ADR 039): `<tenant slug>@<domain>`
 * opens cases for that tenant; `<slug>+<reply token>@<domain>` (the
 * Reply-To of every message about a case) threads onto the case. The same
 * token may travel in the subject as `[ref:<token>]`, for clients that drop
 * the plus part. Tokens are random (100 bits), lower-case base32 so a server
 * that lower-cases local parts cannot break them, and unguessable: a
 * stranger cannot write into someone else's case.
 */
const TOKEN = /^[a-z2-7]{20}$/;
const SUBJECT_TOKEN = /\[ref:([a-z2-7]{20})\]/i;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export interface SupportAddress {
  slug: string;
  token: string | null;
}

/** The mailbox an address names at our domain, or null when it is not one of ours. */
export function parseSupportAddress(address: string, domain: string): SupportAddress | null {
  const at = address.lastIndexOf('@');
  if (at <= 0) return null;
  if (address.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return null;
  const local = address.slice(0, at).toLowerCase();
  const plus = local.indexOf('+');
  const slug = plus < 0 ? local : local.slice(0, plus);
  const tag = plus < 0 ? null : local.slice(plus + 1);
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(slug)) return null;
  return { slug, token: tag !== null && TOKEN.test(tag) ? tag : null };
}

/** The reply token in a subject line (`Re: Broken kettle [ref:…]`), or null. */
export function subjectToken(subject: string): string | null {
  return SUBJECT_TOKEN.exec(subject)?.[1].toLowerCase() ?? null;
}

export function newReplyToken(): string {
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}

export function supportAddress(slug: string, domain: string): string {
  return `${slug}@${domain}`;
}

export function replyAddress(slug: string, domain: string, token: string): string {
  return `${slug}+${token}@${domain}`;
}

/** The subject of mail about a case: carries the token, once. */
export function subjectWithToken(subject: string, token: string): string {
  const tag = `[ref:${token}]`;
  return subject.includes(tag) ? subject : `${subject} ${tag}`;
}

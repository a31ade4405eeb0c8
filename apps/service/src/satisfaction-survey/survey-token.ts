import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a rating link names: one satisfaction request of one tenant. */
export interface SurveyLink {
  tenantId: string;
  requestId: string;
}

const UUID_HEX = /^[0-9a-f]{32}$/;

/**
 * `<payload>.<signature>`: the two UUIDs' 32 bytes in base64url, then
 * HMAC-SHA256 of that text under the service's link secret. Nothing else
 * travels in the link (no rating, no address): the request row says whose
 * it is, and the signature stops anyone from naming another request.
 */
export function signSurveyLink(secret: string, link: SurveyLink): string {
  const payload = Buffer.concat([uuidBytes(link.tenantId), uuidBytes(link.requestId)]).toString('base64url');
  return `${payload}.${signature(secret, payload)}`;
}

/** The request a token names, or null when it is malformed or not signed with this secret. */
export function verifySurveyLink(secret: string, token: string): SurveyLink | null {
  const [payload, sig, extra] = token.split('.');
  if (!payload || !sig || extra !== undefined) return null;
  const expected = Buffer.from(signature(secret, payload));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const bytes = Buffer.from(payload, 'base64url');
  if (bytes.length !== 32) return null;
  return { tenantId: uuidText(bytes.subarray(0, 16)), requestId: uuidText(bytes.subarray(16)) };
}

function signature(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(`survey:${payload}`).digest('base64url');
}

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '').toLowerCase();
  if (!UUID_HEX.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

function uuidText(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/** The caller's address as the gateway saw it; believed only with a valid GATEWAY_SIGNATURE_HEADER. */
export const CLIENT_IP_HEADER = 'x-rapport-client-ip';
/** `v1.<unix seconds>.<base64url HMAC-SHA256 of "v1\n<seconds>\n<ip>" under GATEWAY_SECRET>`. */
export const GATEWAY_SIGNATURE_HEADER = 'x-rapport-gateway';

/**
 * A signature older or newer than this is refused: a header copied out of a
 * log or a capture stops working within a minute (clocks of one cluster
 * agree far better than that).
 */
export const MAX_SIGNATURE_AGE_SECONDS = 60;

/**
 * MACs already computed, per secret, second and address: the gateway signs
 * every subgraph fetch of a second for the same few addresses, and each
 * subgraph checks the same signatures; an HMAC each was 1.5 % of the
 * gateway's CPU under load. Bounded: cleared when full.
 */
const macs = new Map<string, Buffer>();
const MAX_MACS = 4096;

function mac(secret: string, seconds: number, ip: string): Buffer {
  const key = `${secret}\n${seconds}\n${ip}`;
  let value = macs.get(key);
  if (!value) {
    value = createHmac('sha256', secret).update(`v1\n${seconds}\n${ip}`).digest();
    if (macs.size >= MAX_MACS) macs.clear();
    macs.set(key, value);
  }
  return value;
}

/**
 * The headers the gateway adds to each subgraph fetch: who the caller is on
 * the network, signed with the secret only the gateway and the subgraphs
 * hold. A subgraph keys its limits for anonymous callers on that address and
 * gives the gateway's fetches their headroom; a header without a valid
 * signature is ignored, so a direct caller cannot borrow another address or
 * pass for the gateway.
 */
export function signForwardedCaller(secret: string, ip: string, nowMs = Date.now()): Record<string, string> {
  const seconds = Math.floor(nowMs / 1000);
  return {
    [CLIENT_IP_HEADER]: ip,
    [GATEWAY_SIGNATURE_HEADER]: `v1.${seconds}.${mac(secret, seconds, ip).toString('base64url')}`,
  };
}

/** The forwarded caller's address when the request carries the gateway's valid, fresh signature; else null. */
export function verifyForwardedCaller(
  secret: string,
  headers: { ip: string | undefined; signature: string | undefined },
  nowMs = Date.now(),
): { ip: string } | null {
  if (!secret || !headers.ip || !headers.signature) return null;
  const match = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(headers.signature);
  if (!match) return null;
  const seconds = Number(match[1]);
  if (Math.abs(nowMs / 1000 - seconds) > MAX_SIGNATURE_AGE_SECONDS) return null;
  const given = Buffer.from(match[2], 'base64url');
  const expected = mac(secret, seconds, headers.ip);
  return given.length === expected.length && timingSafeEqual(given, expected) ? { ip: headers.ip } : null;
}

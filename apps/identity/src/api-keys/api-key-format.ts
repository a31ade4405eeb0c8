import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `rpk_<key id without dashes>_<43-char secret>`. The id
 * lets identity find the key without knowing the tenant; only a SHA-256 of
 * the 256-bit random secret is stored (a slow hash adds nothing for secrets
 * with that much entropy, and key checks sit on the request path).
 */
export function newApiKeySecret(keyId: string): { apiKey: string; secretHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { apiKey: `rpk_${keyId.replace(/-/g, '')}_${secret}`, secretHash: sha256(secret) };
}

export function parseApiKey(apiKey: string): { keyId: string; secret: string } | null {
  const match = /^rpk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/.exec(apiKey.trim());
  if (!match) return null;
  const hex = match[1];
  const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { keyId, secret: match[2] };
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(sha256(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

import { createHash } from 'node:crypto';
import { rateLimited, signForwardedCaller, unauthenticated, type RevocationList } from '@rapport/auth';
import { decodeJwt } from 'jose';

interface CachedToken {
  token: string;
  /** The token's subject: the API key's id, which a revocation names. */
  keyId: string;
  /** Epoch ms after which the token is no longer handed out. */
  freshUntil: number;
}

/**
 * Trades partner API keys for short-lived access tokens at identity, and
 * caches them (by key hash, never the key itself) until shortly before they
 * expire, so a partner's burst costs one exchange. The caller's address
 * goes along signed (GATEWAY_SECRET), so identity's own rate limit counts
 * the caller and not the gateway: one client trying keys must not use up
 * the exchanges of every partner. Once the revocation list
 * names the key, its cached token is dropped on its next use and identity is
 * asked again, which refuses the revoked key.
 */
export class ApiKeyExchanger {
  private readonly cache = new Map<string, CachedToken>();

  constructor(
    private readonly identityUrl: string,
    private readonly revocations: RevocationList,
    /** Signs the caller's address for identity (empty: nothing is forwarded, identity counts the gateway). */
    private readonly gatewaySecret = '',
  ) {}

  /** The access token for this key, for a caller at `ip`. */
  async tokenFor(apiKey: string, ip: string): Promise<string> {
    const cacheKey = createHash('sha256').update(apiKey).digest('hex');
    const cached = this.cache.get(cacheKey);
    if (cached && cached.freshUntil > Date.now() && !this.revocations.refuses(cached.keyId, 0)) return cached.token;
    this.cache.delete(cacheKey);
    const forwarded = this.gatewaySecret ? signForwardedCaller(this.gatewaySecret, ip) : {};
    const res = await fetch(`${this.identityUrl}/internal/api-keys/exchange`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, ...forwarded },
    });
    if (res.status === 401) throw unauthenticated('invalid or revoked API key');
    if (res.status === 429) {
      const retryAfter = Number(res.headers.get('retry-after')) || 60;
      throw rateLimited(`too many API-key exchanges from this address; retry in ${retryAfter} s`, retryAfter);
    }
    if (!res.ok) throw new Error(`API key exchange failed with HTTP ${res.status}`);
    const { accessToken, expiresAt } = (await res.json()) as { accessToken: string; expiresAt: string };
    const keyId = decodeJwt(accessToken).sub ?? '';
    this.cache.set(cacheKey, { token: accessToken, keyId, freshUntil: new Date(expiresAt).getTime() - 30_000 });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    return accessToken;
  }
}

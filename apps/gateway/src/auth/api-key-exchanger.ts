import { createHash } from 'node:crypto';
import { unauthenticated } from '@rapport/auth';

interface CachedToken {
  token: string;
  /** Epoch ms after which the token is no longer handed out. */
  freshUntil: number;
}

/**
 * Trades partner API keys for short-lived access tokens at identity, and
 * caches them (by key hash, never the key itself) until shortly before they
 * expire, so a partner's burst costs one exchange. A revoked key stops
 * working when its cached token expires (at most five minutes).
 */
export class ApiKeyExchanger {
  private readonly cache = new Map<string, CachedToken>();

  constructor(private readonly identityUrl: string) {}

  async tokenFor(apiKey: string): Promise<string> {
    const cacheKey = createHash('sha256').update(apiKey).digest('hex');
    const cached = this.cache.get(cacheKey);
    if (cached && cached.freshUntil > Date.now()) return cached.token;
    const res = await fetch(`${this.identityUrl}/internal/api-keys/exchange`, { method: 'POST', headers: { 'x-api-key': apiKey } });
    if (res.status === 401) throw unauthenticated('invalid or revoked API key');
    if (!res.ok) throw new Error(`API key exchange failed with HTTP ${res.status}`);
    const { accessToken, expiresAt } = (await res.json()) as { accessToken: string; expiresAt: string };
    this.cache.set(cacheKey, { token: accessToken, freshUntil: new Date(expiresAt).getTime() - 30_000 });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    return accessToken;
  }
}

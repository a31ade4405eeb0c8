import type { Principal } from './principal';

/** What a signature check established about one token, kept so the next request with it skips the check. */
export interface VerifiedToken {
  principal: Principal;
  /** The `ver` claim (0 without one): the revocation list is asked about it on every use. */
  version: number;
  /** Epoch ms of the `exp` claim; null when the token has none. */
  expiresAt: number | null;
}

interface Entry extends VerifiedToken {
  /** Epoch ms after which the signature is checked again even though the token has not expired. */
  recheckAt: number;
}

export interface VerifiedTokensOptions {
  /** At most this many tokens are remembered; the least recently used goes first. */
  maxEntries: number;
  /** A token's signature is checked again at least this often (a key dropped from the JWKS stops it within this). */
  maxAgeMs: number;
}

export const VERIFIED_TOKENS_DEFAULTS: VerifiedTokensOptions = { maxEntries: 10_000, maxAgeMs: 60_000 };

/**
 * Tokens whose signature, issuer and audience this process has already
 * checked, keyed by the whole token (header, claims and signature, so a
 * token altered in any byte is a miss and checked in full). One 360° read
 * carries the same token to the gateway and five subgraphs, and a client
 * sends it again and again: the ES256 check is paid once per token per
 * process, not once per request.
 *
 * Only the signature check is remembered. Expiry is compared with the clock
 * on every hit, and the revocation list is asked by the verifier on every
 * use, so a revoked token is refused on its next request, as before.
 * Bounded (least recently used out first), and each entry is dropped after
 * `maxAgeMs` so the signature is checked against the current key set again.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly options: VerifiedTokensOptions = VERIFIED_TOKENS_DEFAULTS,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The token's verified claims, or undefined when it must be checked (unknown, expired, or due for a recheck). */
  get(token: string): VerifiedToken | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    const now = this.now();
    // jose refuses a token once floor(now / 1000) >= exp; the same instant here.
    if (now >= entry.recheckAt || (entry.expiresAt !== null && now >= entry.expiresAt)) {
      this.entries.delete(token);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order, so the first key is the one to evict.
    this.entries.delete(token);
    this.entries.set(token, entry);
    return entry;
  }

  remember(token: string, verified: VerifiedToken): void {
    this.entries.delete(token);
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(token, { ...verified, recheckAt: this.now() + this.options.maxAgeMs });
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Which credentials a client sends, and keeping a signed-in session alive:
 * an access token lives 15 minutes, so a login (or a token given with its
 * refresh token) is renewed shortly before expiry and whenever the API
 * answers UNAUTHENTICATED; a spent refresh token falls back to signing in
 * again when the password is known. A fixed token and an API key are sent as
 * given (the gateway exchanges the key itself).
 */
import { isRapportError } from './errors';

/** A user signing in with a password: the client logs in on its first call. */
export interface RapportLogin {
  tenant: string;
  email: string;
  password: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresAt: string;
}

export type Credentials =
  | { token: string; refreshToken?: string; apiKey?: never; login?: never }
  | { apiKey: string; token?: never; refreshToken?: never; login?: never }
  | { login: RapportLogin; token?: never; refreshToken?: never; apiKey?: never }
  | { token?: never; apiKey?: never; login?: never; refreshToken?: never };

/** Renew this long before the access token expires, so no call goes out with a token about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

/** What the session needs from the client: the two token mutations, sent without credentials. */
export interface TokenCalls {
  login(login: RapportLogin): Promise<TokenPair>;
  refresh(refreshToken: string): Promise<TokenPair>;
}

export class Session {
  private pair: TokenPair | null = null;
  private renewing: Promise<void> | null = null;

  constructor(
    private readonly credentials: Credentials,
    private readonly calls: TokenCalls,
    private readonly now: () => number,
  ) {
    if (credentials.token && credentials.refreshToken) {
      // Expiry unknown: renewed on the first UNAUTHENTICATED.
      this.pair = { accessToken: credentials.token, refreshToken: credentials.refreshToken, expiresAt: '9999-12-31T23:59:59Z' };
    }
  }

  /** True when an UNAUTHENTICATED answer can be cured by renewing (a login or a refresh token is at hand). */
  get renewable(): boolean {
    return Boolean(this.credentials.login || this.pair);
  }

  /** The headers that authenticate a call now (signing in or renewing first when due). */
  async headers(): Promise<Record<string, string>> {
    if (this.credentials.apiKey) return { 'x-api-key': this.credentials.apiKey };
    const token = await this.token();
    return token ? { authorization: `Bearer ${token}` } : {};
  }

  /** The bearer token to send now, or null for an API key or an anonymous client. */
  async token(): Promise<string | null> {
    if (this.credentials.login && !this.pair) await this.once(() => this.signIn());
    if (this.pair) {
      if (Date.parse(this.pair.expiresAt) - this.now() < REFRESH_MARGIN_MS) await this.renew();
      return this.pair.accessToken;
    }
    return this.credentials.token ?? null;
  }

  /** Renews the token (the API refused it): refresh, or sign in again should the refresh token be spent. */
  async renew(): Promise<void> {
    await this.once(async () => {
      if (!this.pair) return this.credentials.login ? this.signIn() : undefined;
      try {
        this.pair = await this.calls.refresh(this.pair.refreshToken);
      } catch (err) {
        if (!isRapportError(err, 'UNAUTHENTICATED') || !this.credentials.login) throw err;
        await this.signIn();
      }
    });
  }

  /** The current pair (after a login or refresh), e.g. to store the refresh token between runs. */
  get tokens(): TokenPair | null {
    return this.pair;
  }

  private async signIn(): Promise<void> {
    this.pair = await this.calls.login(this.credentials.login as RapportLogin);
  }

  /** Concurrent calls that all find the token due share one renewal (a refresh token is single-use). */
  private async once(work: () => Promise<void>): Promise<void> {
    this.renewing ??= work().finally(() => (this.renewing = null));
    await this.renewing;
  }
}

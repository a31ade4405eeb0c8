/**
 * What the import CLIs share: calling the gateway's GraphQL endpoint and
 * getting a token (RAPPORT_TOKEN, or a login with --tenant/--email/--password).
 */
export interface GatewayConnection {
  url: string;
  token?: string;
  login?: { tenant: string; email: string; password: string };
}

/** A GraphQL error answer, with the first error's extensions.code (and retryAfter, in seconds, when rate-limited). */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    message: string,
    readonly code: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresAt: string;
}

const PAIR = `accessToken refreshToken expiresAt`;
const LOGIN = `mutation ($i: LoginInput!) { login(input: $i) { ${PAIR} } }`;
const REFRESH = `mutation ($i: RefreshTokenInput!) { refreshToken(input: $i) { ${PAIR} } }`;
/** Refresh this long before the access token expires, so no call goes out with a token about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

export async function gql<T>(url: string, query: string, variables: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string; retryAfter?: unknown } }[] };
  if (body.errors?.length) {
    const retryAfter = Number(body.errors[0].extensions?.retryAfter ?? res.headers.get('retry-after'));
    throw new GatewayError(
      body.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '),
      body.errors[0].extensions?.code ?? 'ERROR',
      Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : null,
    );
  }
  return body.data as T;
}

export async function loginToken(url: string, login: { tenant: string; email: string; password: string }): Promise<string> {
  return (await gql<{ login: TokenPair }>(url, LOGIN, { i: login })).login.accessToken;
}

/** How often a rate-limited call is tried again before the import gives up, and the longest wait it accepts. */
const RATE_LIMIT_ATTEMPTS = 20;
const MAX_RETRY_AFTER_S = 60;

/**
 * A signed-in CLI session that outlives one access token (15 minutes): with a
 * login it keeps the refresh token, refreshes shortly before expiry, and on
 * UNAUTHENTICATED refreshes (or, should the refresh token be spent, signs in
 * again) and retries the call once. A fixed RAPPORT_TOKEN is used as given.
 * A RATE_LIMITED answer is waited out (its retryAfter) and the call sent
 * again, so a long import slows down instead of failing.
 */
export class GatewaySession {
  private pair: TokenPair | null = null;

  private constructor(
    private readonly connection: GatewayConnection,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  static async open(
    connection: GatewayConnection,
    now: () => number = Date.now,
    sleep?: (ms: number) => Promise<void>,
  ): Promise<GatewaySession> {
    if (!connection.token && !connection.login) throw new Error('set RAPPORT_TOKEN or pass --tenant, --email and --password');
    const session = new GatewaySession(connection, now, sleep);
    if (connection.login) await session.signIn();
    return session;
  }

  /** Calls the gateway with a current token, waiting out rate limits and renewing the token once if the gateway refuses it. */
  async call<T>(query: string, variables: unknown): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.callOnce<T>(query, variables);
      } catch (err) {
        if (!(err instanceof GatewayError) || err.code !== 'RATE_LIMITED' || attempt >= RATE_LIMIT_ATTEMPTS) throw err;
        await this.sleep(Math.min(err.retryAfter ?? 1, MAX_RETRY_AFTER_S) * 1000);
      }
    }
  }

  private async callOnce<T>(query: string, variables: unknown): Promise<T> {
    try {
      return await gql<T>(this.connection.url, query, variables, await this.token());
    } catch (err) {
      if (!(err instanceof GatewayError) || err.code !== 'UNAUTHENTICATED' || !this.connection.login) throw err;
      await this.renew();
      return gql<T>(this.connection.url, query, variables, await this.token());
    }
  }

  async token(): Promise<string> {
    if (!this.pair) return this.connection.token as string;
    if (Date.parse(this.pair.expiresAt) - this.now() < REFRESH_MARGIN_MS) await this.renew();
    return this.pair.accessToken;
  }

  private async signIn(): Promise<void> {
    this.pair = (await gql<{ login: TokenPair }>(this.connection.url, LOGIN, { i: this.connection.login })).login;
  }

  private async renew(): Promise<void> {
    if (!this.pair) return;
    try {
      this.pair = (
        await gql<{ refreshToken: TokenPair }>(this.connection.url, REFRESH, { i: { refreshToken: this.pair.refreshToken } })
      ).refreshToken;
    } catch (err) {
      if (!(err instanceof GatewayError) || err.code !== 'UNAUTHENTICATED') throw err;
      await this.signIn();
    }
  }
}

/** --url / RAPPORT_GATEWAY_URL, and RAPPORT_TOKEN unless --tenant, --email and --password are all given. */
export function connectionFromFlags(flags: Record<string, string>, env: NodeJS.ProcessEnv): GatewayConnection {
  const login =
    flags.tenant && flags.email && flags.password ? { tenant: flags.tenant, email: flags.email, password: flags.password } : undefined;
  return {
    url: flags.url ?? env.RAPPORT_GATEWAY_URL ?? 'http://localhost:4000/graphql',
    token: login ? undefined : env.RAPPORT_TOKEN,
    login,
  };
}

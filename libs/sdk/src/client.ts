/**
 * `createRapportClient({ url, token | apiKey | login })`: typed calls to the
 * gateway. Operations are the generated documents (`ImportRecordsDocument`…)
 * or any TypedDocumentNode of the caller's; the result and variables are
 * typed by the document. Refusals are RapportErrors typed by
 * `extensions.code`. RATE_LIMITED is waited out for as long as the API says
 * (extensions.retryAfter, or Retry-After) and the call sent again; an expired
 * token is renewed once per call. Subscriptions travel over graphql-ws.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import { errorFromAnswer, isRapportError, RapportError, type RapportGraphQLError } from './errors';
import { LoginDocument, RefreshTokenDocument } from './generated/graphql';
import { Session, type Credentials, type TokenPair } from './session';
import { RapportSubscriptions, type SubscriptionEvent, type WebSocketImpl } from './subscriptions';

export type RapportClientOptions = Credentials & {
  /** The gateway's GraphQL endpoint, e.g. http://localhost:4000/graphql (subscriptions use the same path over ws/wss). */
  url: string;
  /** Rate-limited calls: how often to try again before giving up (default 20), and the longest wait accepted (default 60 s). */
  rateLimit?: { attempts?: number; maxWaitSeconds?: number };
  /** Headers sent with every HTTP call (e.g. a request id). */
  headers?: Record<string, string>;
  /** The WebSocket implementation for subscriptions where there is no global WebSocket (Node 20: `require('ws')`, the default). */
  webSocketImpl?: WebSocketImpl;
  /** For tests: the clock and the wait. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

/** A GraphQL answer: data (possibly partial: a subgraph that degrades leaves its fields null) and any errors. */
export interface RapportResult<TData> {
  data: TData | null;
  errors: readonly RapportGraphQLError[];
}

export interface RapportClient {
  /** The data, or a RapportError when the answer has any error (it carries what data there was). */
  request<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...variables: VariablesOf<TVariables>
  ): Promise<TData>;
  /** Data and errors side by side, for callers that use partial answers; throws only when no GraphQL answer came. */
  execute<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...variables: VariablesOf<TVariables>
  ): Promise<RapportResult<TData>>;
  /**
   * The events of a subscription, until `return()` (or `break` in for-await) ends it. Each carries
   * data and any field errors; a closed connection (revoked credentials, slow consumer) ends the
   * iteration with a RapportError (FORBIDDEN, SLOW_CONSUMER, UNAUTHENTICATED).
   */
  subscribe<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...variables: VariablesOf<TVariables>
  ): AsyncIterableIterator<SubscriptionEvent<TData>>;
  /**
   * A call to another route of the gateway (e.g. `POST /orders/bulk`), resolved against the GraphQL URL, with the
   * same credentials, rate-limit waits (429 with Retry-After) and one token renewal (401) as GraphQL calls. Any
   * other answer is returned as it came; SERVICE_UNAVAILABLE when nothing answered.
   */
  http(path: string, init: HttpCall): Promise<Response>;
  /** The bearer token calls go out with now (null for an API key or anonymous); signs in first for a login. */
  token(): Promise<string | null>;
  /** The access and refresh token after a login or refresh (null otherwise). */
  readonly tokens: TokenPair | null;
  /** Closes the subscription socket, if one was opened. */
  close(): Promise<void>;
}

/** A non-GraphQL call: its body is a string or bytes, so it can be sent again after a wait or a renewal. */
export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** Variables are optional exactly when the operation has none required. */
type VariablesOf<TVariables> = Record<string, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables];

const printed = new WeakMap<DocumentNode, string>();
function textOf(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) printed.set(document, (text = print(document)));
  return text;
}

export function createRapportClient(options: RapportClientOptions): RapportClient {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const attempts = options.rateLimit?.attempts ?? 20;
  const maxWaitSeconds = options.rateLimit?.maxWaitSeconds ?? 60;

  /** One HTTP round trip; throws a RapportError when no GraphQL answer came back. */
  async function post<TData>(document: DocumentNode, variables: unknown, auth: Record<string, string>) {
    let res: Response;
    try {
      res = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers, ...auth },
        body: JSON.stringify({ query: textOf(document), variables: variables ?? {} }),
      });
    } catch (err) {
      throw new RapportError(`${options.url} did not answer: ${(err as Error).message}`, 'SERVICE_UNAVAILABLE');
    }
    const text = await res.text();
    let body: { data?: TData | null; errors?: RapportGraphQLError[] } | null = null;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page): reported below as an HTTP failure with its status.
    }
    if (!body || typeof body !== 'object' || (!('data' in body) && !body.errors)) {
      throw errorFromAnswer(undefined, null, res.status, res.headers.get('retry-after'));
    }
    return { body, status: res.status, retryAfter: res.headers.get('retry-after') };
  }

  async function tokenCall(document: typeof LoginDocument | typeof RefreshTokenDocument, input: unknown): Promise<TokenPair> {
    const { body, status, retryAfter } = await post<Record<string, TokenPair>>(document, { input }, {});
    if (body.errors?.length || !body.data) throw errorFromAnswer(body.errors, body.data ?? null, status, retryAfter);
    return Object.values(body.data)[0];
  }

  const session = new Session(
    options,
    {
      login: (login) => tokenCall(LoginDocument, login),
      refresh: (refreshToken) => tokenCall(RefreshTokenDocument, { refreshToken }),
    },
    now,
  );

  async function once<TData>(document: DocumentNode, variables: unknown): Promise<RapportResult<TData> & { error: RapportError | null }> {
    const { body, status, retryAfter } = await post<TData>(document, variables, await session.headers());
    const errors = body.errors ?? [];
    return {
      data: body.data ?? null,
      errors,
      error: errors.length ? errorFromAnswer(errors, body.data ?? null, status, retryAfter) : null,
    };
  }

  /** Waits out RATE_LIMITED, renews the token once on UNAUTHENTICATED. */
  async function execute<TData>(document: DocumentNode, variables: unknown): Promise<RapportResult<TData>> {
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      let answer: Awaited<ReturnType<typeof once<TData>>>;
      try {
        answer = await once<TData>(document, variables);
      } catch (err) {
        // An HTTP 429 without a GraphQL body is waited out like a RATE_LIMITED answer.
        if (!isRapportError(err, 'RATE_LIMITED') || attempt >= attempts) throw err;
        await sleep(Math.min(err.retryAfter ?? 1, maxWaitSeconds) * 1000);
        continue;
      }
      const error = answer.error;
      if (error?.code === 'RATE_LIMITED' && attempt < attempts) {
        await sleep(Math.min(error.retryAfter ?? 1, maxWaitSeconds) * 1000);
        continue;
      }
      if (error?.code === 'UNAUTHENTICATED' && !renewed && session.renewable) {
        renewed = true;
        await session.renew();
        continue;
      }
      return { data: answer.data, errors: answer.errors };
    }
  }

  async function http(path: string, init: HttpCall): Promise<Response> {
    const url = new URL(path, options.url);
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, { ...init, headers: { ...options.headers, ...init.headers, ...(await session.headers()) } });
      } catch (err) {
        throw new RapportError(`${url.href} did not answer: ${(err as Error).message}`, 'SERVICE_UNAVAILABLE');
      }
      if (res.status === 429 && attempt < attempts) {
        await res.body?.cancel();
        await sleep(Math.min(Number(res.headers.get('retry-after')) || 1, maxWaitSeconds) * 1000);
        continue;
      }
      if (res.status === 401 && !renewed && session.renewable) {
        await res.body?.cancel();
        renewed = true;
        await session.renew();
        continue;
      }
      return res;
    }
  }

  const subscriptions = new RapportSubscriptions(options.url, session, options.webSocketImpl);

  return {
    async request(document, ...[variables]) {
      const result = await execute<any>(document, variables);
      if (result.errors.length) throw errorFromAnswer(result.errors, result.data, 200, null);
      return result.data;
    },
    execute: (document, ...[variables]) => execute(document, variables),
    subscribe: (document, ...[variables]) => subscriptions.iterate(textOf(document), variables ?? {}),
    http,
    token: () => session.token(),
    get tokens() {
      return session.tokens;
    },
    close: () => subscriptions.close(),
  };
}

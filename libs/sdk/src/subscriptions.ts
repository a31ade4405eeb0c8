/**
 * Subscriptions over graphql-ws at the gateway's /graphql: one socket per
 * client, opened on the first subscription and closed after the last. The
 * credentials go in connection_init (and are fetched again on each reconnect,
 * so a renewed token is used); the gateway's close codes become RapportErrors.
 */
import { createClient, type Client } from 'graphql-ws';
import { errorFromAnswer, RapportError, type RapportErrorCode, type RapportGraphQLError } from './errors';
import type { Session } from './session';

/** A WebSocket constructor (the browser's, or the `ws` package's in Node 20). */
export type WebSocketImpl = unknown;

/** One event of a subscription: the data as the matching query answers it now, and any field errors. */
export interface SubscriptionEvent<TData> {
  data: TData | null;
  errors: readonly RapportGraphQLError[];
}

/** The gateway's close codes (apps/gateway/src/subscriptions/close-codes.ts) as error codes. */
const CLOSE_CODES: Record<number, RapportErrorCode> = {
  4401: 'UNAUTHENTICATED',
  4403: 'FORBIDDEN',
  4413: 'SLOW_CONSUMER',
  4429: 'RATE_LIMITED',
};

/** Reconnect only where it helps: the gateway going away or the network dropping (another replica serves). */
const RETRIED_CLOSE_CODES = new Set([1001, 1006, 1012, 1013]);

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'number';
}

function subscriptionError(err: unknown): Error {
  if (Array.isArray(err)) return errorFromAnswer(err as RapportGraphQLError[], null, 0, null);
  if (isCloseEvent(err)) {
    return new RapportError(
      `subscription socket closed (${err.code}${err.reason ? `: ${err.reason}` : ''})`,
      CLOSE_CODES[err.code] ?? 'SERVICE_UNAVAILABLE',
    );
  }
  return err instanceof Error ? err : new RapportError(String(err), 'SERVICE_UNAVAILABLE');
}

function defaultWebSocket(): WebSocketImpl {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function') return (globalThis as { WebSocket: unknown }).WebSocket;
  // Node before 22 has no global WebSocket; `ws` is the implementation graphql-ws documents for it.
  return require('ws');
}

export class RapportSubscriptions {
  private client: Client | null = null;

  constructor(
    private readonly url: string,
    private readonly session: Session,
    private readonly webSocketImpl?: WebSocketImpl,
  ) {}

  async *iterate<TData>(query: string, variables: Record<string, unknown>): AsyncGenerator<SubscriptionEvent<TData>> {
    const results = this.socket().iterate<TData>({ query, variables });
    try {
      for (;;) {
        let next: IteratorResult<{ data?: TData | null; errors?: readonly RapportGraphQLError[] }>;
        try {
          next = await results.next();
        } catch (err) {
          throw subscriptionError(err);
        }
        if (next.done) return;
        yield { data: next.value.data ?? null, errors: next.value.errors ?? [] };
      }
    } finally {
      await results.return?.();
    }
  }

  async close(): Promise<void> {
    await this.client?.dispose();
    this.client = null;
  }

  private socket(): Client {
    this.client ??= createClient({
      url: this.url.replace(/^http/, 'ws'),
      webSocketImpl: this.webSocketImpl ?? defaultWebSocket(),
      connectionParams: () => this.session.headers(),
      retryAttempts: 5,
      shouldRetry: (closed) => isCloseEvent(closed) && RETRIED_CLOSE_CODES.has(closed.code),
    });
    return this.client;
  }
}

import { connectNats, withoutCredentials } from '@rapport/messaging';
import type { Logger } from '@rapport/observability';
import type { NatsConnection } from 'nats';

/** While NATS is unreachable, how often the gateway tries again. */
const RETRY_MS = 5_000;

export interface NatsFollowerOptions<T> {
  natsUrl: string;
  /** The connection's name (seen in NATS monitoring). */
  connectionName: string;
  /** What the gateway goes without while NATS is unreachable, for the logs: "subscriptions receive no events". */
  without: string;
  logger: Logger;
  /** Starts following on the connection (feeds, tails); what it returns is `current()` once started. */
  start: (nc: NatsConnection) => Promise<T>;
  stop: (started: T) => Promise<void>;
}

export interface NatsFollower<T> {
  /** What `start` returned, or null while NATS has not been reached. */
  current(): T | null;
  close(): Promise<void>;
}

/**
 * Something the gateway follows on NATS (revocations, subscription events),
 * on a connection of its own. The gateway serves
 * without NATS (queries do not need it): an unreachable NATS is logged and
 * tried again every few seconds until it is back; what depends on it says
 * so through `current()` being null (each caller's /health/ready entry).
 * Reconnects after the first connection are the connection's business.
 */
export async function followNats<T>(o: NatsFollowerOptions<T>): Promise<NatsFollower<T>> {
  let nc: NatsConnection | null = null;
  let started: T | null = null;
  let closed = false;
  const follow = async () => {
    const connection = await connectNats(o.natsUrl, o.connectionName);
    if (closed) return connection.close();
    nc = connection;
    started = await o.start(connection);
  };
  const retry = async () => {
    while (!closed) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      if (closed) return;
      try {
        return await follow();
      } catch (err) {
        o.logger.warn({ err, url: withoutCredentials(o.natsUrl) }, `NATS still unreachable; ${o.without}`);
      }
    }
  };
  try {
    await follow();
  } catch (err) {
    o.logger.error({ err, url: withoutCredentials(o.natsUrl) }, `NATS unreachable: ${o.without} until it is back`);
    retry().catch((retryErr: unknown) => o.logger.error({ err: retryErr }, `following NATS failed; ${o.without}`));
  }
  return {
    current: () => started,
    close: async () => {
      closed = true;
      if (started !== null) await o.stop(started);
      const connection = nc as NatsConnection | null;
      if (connection && !connection.isClosed()) await connection.drain();
    },
  };
}

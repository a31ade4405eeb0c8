import { RevocationFeed, RevocationList } from '@rapport/auth';
import { connectNats, withoutCredentials } from '@rapport/messaging';
import type { HealthRegistry, Logger } from '@rapport/observability';
import type { NatsConnection } from 'nats';
import type { GatewayConfig } from '../gateway.env';

export interface GatewayRevocations {
  list: RevocationList;
  close(): Promise<void>;
}

/** While NATS is unreachable, how often the gateway tries again. */
const RETRY_MS = 5_000;

/**
 * The gateway follows identity's revocations like every subgraph, but serves
 * without NATS, since its readiness is its own (docs/adr/013-revocation.md):
 * an unreachable or lost NATS is logged and shown as the `revocations` entry
 * of /health/ready, which does not count for readiness. Meanwhile it refuses
 * what it learnt before; revocations made without NATS take effect once it
 * is back (and at the latest when the tokens expire).
 */
export async function followRevocations(config: GatewayConfig, logger: Logger, health: HealthRegistry): Promise<GatewayRevocations> {
  const list = new RevocationList();
  const naming = { subjectPrefix: config.NATS_SUBJECT_PREFIX, streamSuffix: config.NATS_STREAM_SUFFIX };
  let nc: NatsConnection | null = null;
  let feed: RevocationFeed | null = null;
  let closed = false;

  const follow = async () => {
    const connection = await connectNats(config.NATS_URL, 'rapport-gateway');
    if (closed) return connection.close();
    nc = connection;
    feed = new RevocationFeed(connection, naming, list, logger);
    // Reconnects after this are the connection's (and the feed's) business.
    await feed.start();
  };
  const retry = async () => {
    while (!closed) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      if (closed) return;
      try {
        return await follow();
      } catch (err) {
        logger.warn({ err, url: withoutCredentials(config.NATS_URL) }, 'NATS still unreachable; revocations are not followed');
      }
    }
  };

  health.register(
    'revocations',
    async () => {
      if (!feed) throw new Error(`revocations are not followed: NATS at ${config.NATS_URL} is unreachable`);
      feed.check();
    },
    { readiness: false },
  );
  try {
    await follow();
  } catch (err) {
    logger.error({ err, url: withoutCredentials(config.NATS_URL) }, 'NATS unreachable: serving without revocations until it is back');
    retry().catch((retryErr: unknown) => logger.error({ err: retryErr }, 'following revocations failed'));
  }
  return {
    list,
    close: async () => {
      closed = true;
      await feed?.stop();
      if (nc && !nc.isClosed()) await nc.drain();
    },
  };
}

import { RevocationFeed, RevocationList } from '@rapport/auth';
import { connectNats } from '@rapport/messaging';
import type { HealthRegistry, Logger } from '@rapport/observability';
import type { NatsConnection } from 'nats';
import type { GatewayConfig } from '../gateway.env';

export interface GatewayRevocations {
  list: RevocationList;
  close(): Promise<void>;
}

/** How long start-up waits for NATS and the replay before serving anyway. */
const START_WAIT_MS = 10_000;

/**
 * The gateway follows identity's revocations like every subgraph, but keeps
 * serving without NATS, since its readiness is its own (docs/adr/012-revocation.md):
 * a NATS outage is logged and shown as the `revocations` entry of
 * /health/ready, which does not count for readiness. Meanwhile it refuses
 * what it learnt before the outage; revocations made during it take effect
 * once NATS is back (and at the latest when the tokens expire).
 */
export async function followRevocations(config: GatewayConfig, logger: Logger, health: HealthRegistry): Promise<GatewayRevocations> {
  const list = new RevocationList();
  const naming = { subjectPrefix: config.NATS_SUBJECT_PREFIX, streamSuffix: config.NATS_STREAM_SUFFIX };
  let nc: NatsConnection | null = null;
  let feed: RevocationFeed | null = null;
  let closed = false;
  const started = connectNats(config.NATS_URL, 'rapport-gateway', { waitOnFirstConnect: true }).then(async (connection) => {
    nc = connection;
    if (closed) return connection.close();
    feed = new RevocationFeed(connection, naming, list, logger);
    await feed.start(START_WAIT_MS);
  });
  started.catch((err: unknown) => logger.error({ err }, 'cannot follow revocations: NATS connection failed'));
  health.register(
    'revocations',
    async () => {
      if (!feed) throw new Error(`revocations are not followed: NATS at ${config.NATS_URL} not connected yet`);
      feed.check();
    },
    { readiness: false },
  );
  if (!(await settlesWithin(started, START_WAIT_MS)))
    logger.error({ url: config.NATS_URL }, 'NATS not reachable yet; serving without revocations until it is');
  return {
    list,
    close: async () => {
      closed = true;
      await feed?.stop();
      if (nc && !nc.isClosed()) await nc.drain();
    },
  };
}

/** Whether `promise` resolved within `ms` (its failure is reported where it is handled). */
async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)));
  return Promise.race([
    promise.then(
      () => true,
      () => false,
    ),
    timeout,
  ]).finally(() => clearTimeout(timer));
}

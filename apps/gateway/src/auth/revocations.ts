import { RevocationFeed, RevocationList } from '@rapport/auth';
import type { HealthRegistry, Logger } from '@rapport/observability';
import type { GatewayConfig } from '../gateway.env';
import { followNats } from '../nats-follower';

export interface GatewayRevocations {
  list: RevocationList;
  close(): Promise<void>;
}

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
  const follower = await followNats<RevocationFeed>({
    natsUrl: config.NATS_URL,
    connectionName: 'rapport-gateway',
    without: 'serving without revocations',
    logger,
    start: async (nc) => {
      const feed = new RevocationFeed(nc, naming, list, logger);
      await feed.start();
      return feed;
    },
    stop: (feed) => feed.stop(),
  });
  health.register(
    'revocations',
    async () => {
      const feed = follower.current();
      if (!feed) throw new Error(`revocations are not followed: NATS at ${config.NATS_URL} is unreachable`);
      feed.check();
    },
    { readiness: false },
  );
  return { list, close: () => follower.close() };
}

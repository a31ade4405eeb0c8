import { connectNats, withoutCredentials, type MessagingNaming } from '@rapport/messaging';
import type { HealthRegistry, Logger } from '@rapport/observability';
import type { NatsConnection } from 'nats';
import { EventTail } from './event-tail';
import { FOLLOWED_SUBJECTS } from './subscription-fields';
import type { SubscriptionHub } from './subscription-hub';

export interface SubscriptionEvents {
  close(): Promise<void>;
}

/** While NATS is unreachable, how often the gateway tries again. */
const RETRY_MS = 5_000;

/**
 * Feeds the hub from the NATS streams: one ephemeral ordered consumer per
 * followed subject, on a connection of its own. Like revocations, the
 * gateway serves without NATS (queries do not need it): an unreachable NATS
 * is logged and shown as the `subscriptions` entry of /health/ready, which
 * does not count for readiness; subscribers then hear nothing until it is back.
 */
export async function followSubscriptionEvents(
  natsUrl: string,
  naming: MessagingNaming,
  hub: SubscriptionHub,
  logger: Logger,
  health: HealthRegistry,
): Promise<SubscriptionEvents> {
  let nc: NatsConnection | null = null;
  let tails: EventTail[] = [];
  let closed = false;

  const follow = async () => {
    const connection = await connectNats(natsUrl, 'rapport-gateway-subscriptions');
    if (closed) return connection.close();
    nc = connection;
    const started = FOLLOWED_SUBJECTS.map((subject) => new EventTail(connection, naming, subject, (event) => hub.deliver(event), logger));
    await Promise.all(started.map((tail) => tail.start()));
    tails = started;
  };
  const retry = async () => {
    while (!closed) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      if (closed) return;
      try {
        return await follow();
      } catch (err) {
        logger.warn({ err, url: withoutCredentials(natsUrl) }, 'NATS still unreachable; subscriptions receive no events');
      }
    }
  };

  health.register(
    'subscriptions',
    async () => {
      if (tails.length === 0)
        throw new Error(`subscription events are not followed: NATS at ${withoutCredentials(natsUrl)} is unreachable`);
      for (const tail of tails) tail.check();
    },
    { readiness: false },
  );
  try {
    await follow();
  } catch (err) {
    logger.error({ err, url: withoutCredentials(natsUrl) }, 'NATS unreachable: subscriptions receive no events until it is back');
    retry().catch((retryErr: unknown) => logger.error({ err: retryErr }, 'following subscription events failed'));
  }
  return {
    close: async () => {
      closed = true;
      await Promise.all(tails.map((tail) => tail.stop()));
      const connection = nc as NatsConnection | null;
      if (connection && !connection.isClosed()) await connection.drain();
    },
  };
}

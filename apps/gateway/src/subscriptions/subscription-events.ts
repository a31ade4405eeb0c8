import { withoutCredentials, type MessagingNaming } from '@rapport/messaging';
import type { HealthRegistry, Logger } from '@rapport/observability';
import { followNats } from '../nats-follower';
import { EventTail } from './event-tail';
import { FOLLOWED_SUBJECTS } from './subscription-fields';
import type { SubscriptionHub } from './subscription-hub';

export interface SubscriptionEvents {
  close(): Promise<void>;
}

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
  const follower = await followNats<EventTail[]>({
    natsUrl,
    connectionName: 'rapport-gateway-subscriptions',
    without: 'subscriptions receive no events',
    logger,
    start: async (nc) => {
      const tails = FOLLOWED_SUBJECTS.map((subject) => new EventTail(nc, naming, subject, (event) => hub.deliver(event), logger));
      await Promise.all(tails.map((tail) => tail.start()));
      return tails;
    },
    stop: async (tails) => {
      await Promise.all(tails.map((tail) => tail.stop()));
    },
  });
  health.register(
    'subscriptions',
    async () => {
      const tails = follower.current();
      if (!tails) throw new Error(`subscription events are not followed: NATS at ${withoutCredentials(natsUrl)} is unreachable`);
      for (const tail of tails) tail.check();
    },
    { readiness: false },
  );
  return { close: () => follower.close() };
}

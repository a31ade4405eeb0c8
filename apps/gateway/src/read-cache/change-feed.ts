import { STREAMS, type EventEnvelope } from '@rapport/contracts';
import { withoutCredentials, type MessagingNaming } from '@rapport/messaging';
import type { HealthRegistry, Logger } from '@rapport/observability';
import { followNats } from '../nats-follower';
import { EventTail } from '../subscriptions/event-tail';
import type { TenantGenerations } from './tenant-generations';

/**
 * After an event, its tenant's generation is replaced again this long later:
 * every subgraph keeps read models fed by other services' streams (marketing
 * segments from sales contacts, analytics RFM from commerce orders, service
 * copies of contacts…), and such a consumer may apply the event after the
 * gateway has seen it. A fetch between the two would be cached under the new
 * generation with the old derived value; the later replacements drop it.
 */
export const SETTLE_DELAYS_MS = [1_000, 5_000] as const;

const SETTLE_TICK_MS = 250;

export interface ChangeFeed {
  /** Every stream is followed and none is failing: answers may be served from the cache. */
  live(): boolean;
  /** A write through this gateway returned: the tenant's answers are dropped before the caller hears back. */
  written(tenantId: string): Promise<void>;
  /** Calls `listener` with each event once its tenant's generation has been replaced for it (tests wait on this); returns the unsubscribe. */
  onApplied(listener: (event: EventEnvelope) => void): () => void;
  close(): Promise<void>;
}

/**
 * Follows every stream of the platform (each replica on its own ephemeral
 * consumers, like subscriptions) and replaces the generation of each event's
 * tenant — at once, batched per turn of the event loop, and again after each
 * settle delay. Any event of a tenant, identity's (roles, access, users)
 * included, drops all of that tenant's answers: see ADR 080 for why no finer
 * mapping of events to subgraphs is safe here.
 */
export async function followChanges(
  natsUrl: string,
  naming: MessagingNaming,
  generations: TenantGenerations,
  logger: Logger,
  health: HealthRegistry,
): Promise<ChangeFeed> {
  /** Tenants whose last replacement failed (Redis unreachable): tried again each tick; meanwhile nothing is served. */
  const unbumped = new Set<string>();
  const now = new Set<string>();
  const listeners = new Set<(event: EventEnvelope) => void>();
  let heard: EventEnvelope[] = [];
  const later = SETTLE_DELAYS_MS.map(() => new Map<string, number>());

  const bump = (tenants: string[], events: EventEnvelope[] = []) => {
    generations.bump(tenants).then(
      () => {
        tenants.forEach((t) => unbumped.delete(t));
        for (const event of events) for (const listener of listeners) listener(event);
      },
      (err: unknown) => {
        // Until the replacement gets through, this replica must not serve what it holds.
        tenants.forEach((t) => unbumped.add(t));
        logger.error({ err }, 'read cache: could not replace tenant generations; serving without the cache');
      },
    );
  };
  const changed = (event: EventEnvelope) => {
    const { tenantId } = event;
    if (now.size === 0)
      setImmediate(() => {
        const tenants = [...now];
        const events = heard;
        now.clear();
        heard = [];
        bump(tenants, events);
      });
    now.add(tenantId);
    if (listeners.size > 0) heard.push(event);
    const at = Date.now();
    SETTLE_DELAYS_MS.forEach((delay, i) => later[i].set(tenantId, at + delay));
  };
  const settle = setInterval(() => {
    const at = Date.now();
    const due = new Set<string>(unbumped);
    for (const pending of later)
      for (const [tenant, dueAt] of pending)
        if (dueAt <= at) {
          due.add(tenant);
          pending.delete(tenant);
        }
    if (due.size > 0) bump([...due]);
  }, SETTLE_TICK_MS);
  settle.unref();

  const subjects = Object.values(STREAMS).flatMap((stream) => stream.subjects);
  const follower = await followNats<EventTail[]>({
    natsUrl,
    connectionName: 'rapport-gateway-read-cache',
    without: 'the read cache stays off',
    logger,
    start: async (nc) => {
      const tails = subjects.map((subject) => new EventTail(nc, naming, subject, changed, logger));
      await Promise.all(tails.map((tail) => tail.start()));
      return tails;
    },
    stop: async (tails) => {
      await Promise.all(tails.map((tail) => tail.stop()));
    },
  });
  const problem = (): string | null => {
    const tails = follower.current();
    if (!tails) return `events are not followed: NATS at ${withoutCredentials(natsUrl)} is unreachable`;
    for (const tail of tails)
      try {
        tail.check();
      } catch (err) {
        return (err as Error).message;
      }
    return unbumped.size > 0 ? 'replacing generations in Redis failed' : null;
  };

  health.register(
    'read-cache',
    async () => {
      const reason = problem();
      if (reason) throw new Error(`the read cache is off: ${reason}`);
    },
    { readiness: false },
  );
  return {
    live: () => problem() === null,
    written: async (tenantId) => {
      try {
        await generations.bump([tenantId]);
      } catch (err) {
        unbumped.add(tenantId);
        logger.error({ err, tenantId }, 'read cache: could not replace the generation after a write; serving without the cache');
      }
    },
    onApplied: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      clearInterval(settle);
      await follower.close();
    },
  };
}

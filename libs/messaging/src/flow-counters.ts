import { Counter, type Registry } from 'prom-client';

/** How a delivered event ended for one consumer. */
export type ConsumedOutcome = 'applied' | 'duplicate' | 'failed';

/**
 * `rapport_events_published_total{type}` (counted by the outbox relay once
 * the stream stored the event) and `rapport_events_consumed_total{consumer,
 * type, outcome}` (each delivery a consumer concluded: applied, skipped as a
 * duplicate by the inbox, or failed and retried). With the parked counter and
 * the consumer lag gauges they show where events are along the way. Labels
 * are bounded: types are declared in contracts, consumers in code.
 */
export interface EventFlowCounters {
  published: Counter<'type'>;
  consumed: Counter<'consumer' | 'type' | 'outcome'>;
}

// One set per registry: a process has one relay but many consumers, and a registry refuses a name twice.
const byRegistry = new WeakMap<Registry, EventFlowCounters>();

export function eventFlowCounters(registry: Registry): EventFlowCounters {
  let counters = byRegistry.get(registry);
  if (!counters) {
    counters = {
      published: new Counter({
        name: 'rapport_events_published_total',
        help: 'Events the outbox relay published (stored by JetStream), by type',
        labelNames: ['type'] as const,
        registers: [registry],
      }),
      consumed: new Counter({
        name: 'rapport_events_consumed_total',
        help: 'Deliveries a consumer concluded, by consumer, event type and outcome (applied, duplicate, failed)',
        labelNames: ['consumer', 'type', 'outcome'] as const,
        registers: [registry],
      }),
    };
    byRegistry.set(registry, counters);
  }
  return counters;
}

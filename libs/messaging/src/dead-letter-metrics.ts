import { Counter, Gauge, type Registry } from 'prom-client';

export interface DeadLetterMetrics {
  parked: Counter<'consumer' | 'type'>;
  replayed: Counter<'consumer' | 'outcome'>;
}

/**
 * `rapport_events_parked_total` counts parkings (alert on any increase);
 * `rapport_events_parked` is how many wait in the stream now, read from
 * JetStream at scrape time so it is right across replicas and restarts.
 * Labels are bounded: consumers are declared in code, types in contracts.
 */
export function deadLetterMetrics(registry: Registry, countParked: () => Promise<Map<string, number>>): DeadLetterMetrics {
  const waiting = new Gauge({
    name: 'rapport_events_parked',
    help: 'Events parked in this service’s dead-letter stream, by consumer',
    labelNames: ['consumer'] as const,
    registers: [registry],
    collect: async () => {
      let counts: Map<string, number>;
      try {
        counts = await countParked();
      } catch {
        return; // NATS unreachable: the last known values stay (health reports NATS itself).
      }
      waiting.reset();
      for (const [consumer, n] of counts) waiting.set({ consumer }, n);
    },
  });
  return {
    parked: new Counter({
      name: 'rapport_events_parked_total',
      help: 'Events parked after their retry budget, by consumer and event type',
      labelNames: ['consumer', 'type'] as const,
      registers: [registry],
    }),
    replayed: new Counter({
      name: 'rapport_events_replayed_total',
      help: 'Replay requests for parked events, by consumer and outcome',
      labelNames: ['consumer', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

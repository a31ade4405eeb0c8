import { env, type EnvField } from './env';

/**
 * The retry budget of a service's event consumers: the delays between
 * attempts of a failing event before it is parked in the dead letter.
 * Unset, the default of docs/adr/018-dead-letter.md applies (13 attempts over
 * about an hour, which rides out a database outage). Tests, and operators who
 * prefer to park sooner, set their own.
 */
const EVENT_RETRY_DELAYS_MS: EnvField<number[] | null> = {
  description: 'delays in ms between attempts of a failing event before it is parked, comma-separated (empty: about an hour, ADR 018)',
  default: null,
  parse(raw: string): number[] {
    const parts = raw.split(',').map((p) => p.trim());
    if (parts.length > 100 || parts.some((p) => !/^\d{1,9}$/.test(p))) throw new Error('expected up to 100 comma-separated delays in ms');
    return parts.map(Number);
  },
};

/**
 * How long JetStream waits for a delivered event's ack before it delivers it
 * again (to this replica or another): what a replica that died holding
 * events leaves pending for that long. 30 s by default, well above a slow
 * batch's handling; tests that kill a replica set less to wait less.
 */
const EVENT_ACK_WAIT_MS = env.int({
  default: 30_000,
  min: 1000,
  max: 3_600_000,
  description: 'ms JetStream waits for an ack before delivering an event again (a dead replica holds its events this long)',
});

export const eventsEnv = { EVENT_RETRY_DELAYS_MS, EVENT_ACK_WAIT_MS };

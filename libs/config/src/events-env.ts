import type { EnvField } from './env';

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

export const eventsEnv = { EVENT_RETRY_DELAYS_MS };

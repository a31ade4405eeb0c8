import type { HealthRegistry } from '@rapport/observability';
import type { NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';

/** Readiness of a subgraph: its database answers and NATS is connected. */
export function createHealthChecks(health: HealthRegistry, ds: DataSource, nc: NatsConnection): true {
  health.register('postgres', async () => {
    await ds.query('SELECT 1');
  });
  health.register('nats', async () => {
    if (nc.isClosed()) throw new Error('connection closed');
    await nc.flush();
  });
  return true;
}

import type { RevocationFeed } from '@rapport/auth';
import type { HealthRegistry } from '@rapport/observability';
import type { NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';

/**
 * Readiness of a subgraph: its database answers, NATS is connected and the
 * revocation list is current (a subgraph that cannot learn of revocations
 * would honour revoked tokens; like NATS itself, that makes it unready).
 */
export function createHealthChecks(health: HealthRegistry, ds: DataSource, nc: NatsConnection, revocations: RevocationFeed): true {
  health.register('postgres', async () => {
    await ds.query('SELECT 1');
  });
  health.register('nats', async () => {
    if (nc.isClosed()) throw new Error('connection closed');
    await nc.flush();
  });
  health.register('revocations', async () => revocations.check());
  return true;
}

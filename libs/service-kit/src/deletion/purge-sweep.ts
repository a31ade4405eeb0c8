import type { Logger } from '@rapport/observability';
import type { EntityManager } from 'typeorm';
import type { JobQueues } from '../job-queues';
import type { ServiceDatabase } from '../service-database';

/**
 * The periodic purge of records whose restore window ended (ADR 037): a
 * BullMQ job scheduler runs `sweep` every `everySeconds`. The sweep reads
 * its work from the database each time, so nothing depends on a job
 * surviving in Redis; scheduling runs beside the start (a Redis outage
 * never holds it up).
 */
export function schedulePurgeSweep(jobs: JobQueues, queueName: string, everySeconds: number, sweep: () => Promise<unknown>): void {
  const queue = jobs.queue<object>(queueName, { removeOnComplete: true, removeOnFail: 100 });
  jobs.worker<object>(queueName, () => sweep(), { concurrency: 1 });
  jobs.inBackground(`scheduling ${queueName}`, () =>
    queue.upsertJobScheduler(`${queueName}-sweep`, { every: everySeconds * 1000 }, { name: 'sweep' }),
  );
}

/**
 * Purges each due item in a transaction of its own, in its tenant; returns
 * how many went. One that fails is logged and left for the next sweep, so it
 * never holds up the others.
 */
export async function purgeEach<T extends { tenantId: string }>(
  db: ServiceDatabase,
  logger: Logger,
  due: readonly T[],
  purge: (em: EntityManager, item: T) => Promise<boolean>,
): Promise<number> {
  let purged = 0;
  for (const item of due) {
    try {
      if (await db.withTenant(item.tenantId, (em) => purge(em, item))) purged++;
    } catch (err) {
      logger.error({ err, item: item as object }, 'could not purge a deleted record; retrying at the next sweep');
    }
  }
  if (purged > 0) logger.info({ purged }, 'purged deletions whose restore window ended');
  return purged;
}

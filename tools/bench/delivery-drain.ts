import { connect } from 'nats';
import type { Client } from 'pg';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What is still on its way in a platform run: outbox rows not yet published, and messages not yet acknowledged by a consumer. */
export interface Backlog {
  unpublished: number;
  unconsumed: number;
  /** The durable consumer with the most messages still to acknowledge (stream/consumer), if any. */
  slowest: { name: string; pending: number } | null;
}

/**
 * The run's backlog: unpublished rows of every service's outbox (schemas
 * `*_<run>`; a compact row stands for many events) and, over every durable
 * consumer of the run's streams (`*_<run>`), messages not yet delivered or
 * delivered and not yet acknowledged.
 */
export async function runBacklog(pg: Client, runId: string): Promise<Backlog> {
  const { rows } = await pg.query<{ nspname: string }>(
    `SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = 'outbox' AND c.relkind = 'r'
      WHERE n.nspname LIKE $1`,
    [`%\\_${runId}`],
  );
  let unpublished = 0;
  for (const { nspname } of rows) {
    const {
      rows: [{ n }],
    } = await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${nspname}".outbox WHERE published_at IS NULL`);
    unpublished += n;
  }
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  let unconsumed = 0;
  let slowest: Backlog['slowest'] = null;
  try {
    const jsm = await nc.jetstreamManager();
    for await (const stream of jsm.streams.list()) {
      if (!stream.config.name.endsWith(`_${runId}`)) continue;
      for await (const consumer of jsm.consumers.list(stream.config.name)) {
        const pending = consumer.num_pending + consumer.num_ack_pending;
        unconsumed += pending;
        const name = `${stream.config.name.replace(`_${runId}`, '')}/${consumer.name.replace(`_${runId}`, '')}`;
        if (pending > 0 && (!slowest || pending > slowest.pending)) slowest = { name, pending };
      }
    }
  } finally {
    await nc.close();
  }
  return { unpublished, unconsumed, slowest };
}

/**
 * Waits until the events the steps so far announced are published and
 * consumed (runBacklog empty twice in a row, a second apart, so a consumer
 * that publishes in turn is waited for too); returns the seconds until it
 * was first seen empty (to the second),
 * or null past `timeoutS`. The bench waits for this between its timed
 * steps, so each step is measured on its own and not while the relay and
 * four services work off the step before it (ADR 074).
 */
export async function waitForDelivery(pg: Client, runId: string, timeoutS: number): Promise<number | null> {
  const started = Date.now();
  let emptySince: number | null = null;
  while (Date.now() - started < timeoutS * 1000) {
    const { unpublished, unconsumed } = await runBacklog(pg, runId);
    if (unpublished > 0 || unconsumed > 0) emptySince = null;
    else if (emptySince === null) emptySince = Date.now();
    else return (emptySince - started) / 1000;
    await sleep(1000);
  }
  return null;
}

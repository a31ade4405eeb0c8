/**
 * Outbox writes of a bulk publisher (ADR 046): N value-changed envelopes
 * (default 150,000, one 50,000-customer chunk of a first CLV scoring) into
 * a scratch schema's outbox with the real indexes, one transaction each,
 * one row per event (`appendManyToOutbox`) and packed
 * (`appendPackedToOutbox`), alternating. Prints build and insert times.
 *
 *   npm run build && node dist/tools/bench/outbox-pack-bench.js [N] [modes, e.g. packed,single,packed,single]
 */
import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@rapport/contracts';
import { appendManyToOutbox, appendPackedToOutbox, newEvent } from '@rapport/messaging';
import { DataSource } from 'typeorm';

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 150_000);
  const modes = (process.argv[3] ?? 'packed,single,packed,single').split(',');
  const ds = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/rapport' });
  await ds.initialize();
  const schema = `outbox_bench_${randomUUID().slice(0, 8)}`;
  try {
    await ds.query(`CREATE SCHEMA ${schema}`);
    await ds.query(`CREATE TABLE ${schema}.outbox (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, type text NOT NULL, envelope jsonb NOT NULL,
                    created_at timestamptz NOT NULL, published_at timestamptz)`);
    await ds.query(`CREATE INDEX ON ${schema}.outbox (created_at, id) WHERE published_at IS NULL`);
    await ds.query(`CREATE INDEX ON ${schema}.outbox (published_at) WHERE published_at IS NOT NULL`);
    const tenantId = randomUUID();
    for (const mode of modes) {
      let started = process.hrtime.bigint();
      const events: EventEnvelope[] = [];
      for (let i = 0; i < n; i++) {
        const contactId = randomUUID();
        events.push(
          newEvent({
            type: 'analytics.customer.value_changed',
            tenantId,
            actor: { kind: 'system', id: null },
            subjectId: contactId,
            data: {
              contactId,
              clv: { amount: (Math.random() * 1000).toFixed(2), currency: 'EUR' },
              tier: 'gold',
              churnBand: 'LOW',
              churnRisk: Math.random(),
              pAlive: Math.random(),
              asOf: new Date().toISOString(),
            },
          }),
        );
      }
      const built = ms(started);
      started = process.hrtime.bigint();
      await ds.transaction(async (em) => {
        await em.query(`SET LOCAL search_path TO ${schema}`);
        await (mode === 'packed' ? appendPackedToOutbox(em, events) : appendManyToOutbox(em, events));
      });
      console.log(`${mode.padEnd(6)} ${n} events: build ${built.toFixed(0)} ms, insert and commit ${ms(started).toFixed(0)} ms`);
      await ds.query(`TRUNCATE ${schema}.outbox`);
    }
  } finally {
    await ds.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await ds.destroy();
  }
}

void main();

import { randomUUID } from 'node:crypto';
import { CUSTOMER_RFM_CHANGED, type EventActor, type EventEnvelope } from '@rapport/contracts';
import { newEvent, OUTBOX_PACK, STORED_TRACE_KEY } from '@rapport/messaging';
import { scratchDatabase, seededRandom } from '@rapport/testing';
import type { EntityManager } from 'typeorm';
import { analyticsDefinition } from '../analytics.definition';
import { expandRfmChanges, RFM_CHANGES_OUTBOX_TYPE, rfmChangedData } from './rfm-changes-outbox';
import { recomputeAndRecordRfmScores, recomputeRfmScores, type RfmRecomputeParams } from './rfm-sql';

const CUSTOMERS = 2_600;
const DAY = 86_400_000;
const AS_OF = new Date('2026-06-30T12:00:00.000Z');
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * ADR 061: a recompute records its changed contacts in SQL, as compact
 * outbox rows (RECOMPUTE_AND_RECORD_RFM_SQL) the relay expands
 * (expandRfmChanges). The expanded rows must be exactly the rfm_changed
 * events the service built in Node from RECOMPUTE_RFM_SQL's changes before
 * (newEvent with rfmChangedData, in the changes' order), ids and instants
 * apart: both paths run on the same tenant, each in a transaction rolled
 * back afterwards, for a first recompute (every customer announced) and
 * for one after a random tenth bought again, were refunded or dropped out.
 */
describe('RFM recompute: rfm_changed recorded in SQL, expanded, equal those built in Node', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  const tenantId = randomUUID();
  const random = seededRandom(61);
  const contacts = Array.from({ length: CUSTOMERS }, () => randomUUID());
  const actor: EventActor = { kind: 'user', id: randomUUID() };
  const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
  const params: RfmRecomputeParams = { tenantId, asOf: AS_OF, windowDays: 365, currency: null };

  async function addOrders(em: EntityManager, who: readonly string[]): Promise<void> {
    const rows = who.flatMap((contact) =>
      Array.from({ length: 1 + Math.floor(random() * 5) }, () => {
        const refund = random() < 0.1;
        return {
          contact,
          at: new Date(AS_OF.getTime() - Math.floor(random() * 500) * DAY - Math.floor(random() * DAY)).toISOString(),
          // Cents and tenths of a cent, refunds, another currency: monetary is formatted per currency in the events.
          amount: ((refund ? -1 : 1) * (5 + random() * 400)).toFixed(random() < 0.2 ? 4 : 2),
          currency: random() < 0.05 ? 'JPY' : 'EUR',
          status: refund ? 'REFUNDED' : 'PLACED',
        };
      }),
    );
    await em.query(
      `INSERT INTO orders (id, tenant_id, source, external_order_id, contact_id, customer_contact_id, occurred_at, amount, currency, status)
       SELECT gen_random_uuid(), $1, 't', gen_random_uuid()::text, o.contact, o.contact, o.at, o.amount, o.currency, o.status
         FROM jsonb_to_recordset($2::jsonb) AS o(contact uuid, at timestamptz, amount numeric, currency text, status text)`,
      [tenantId, JSON.stringify(rows)],
    );
  }

  const sample = (share: number) => contacts.filter(() => random() < share);

  async function rolledBack<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      return await work(runner.manager);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  /** The SQL path: its counts, and the envelopes its rows expand to in publishing order (rows by (created_at, id)). */
  async function sqlPath(em: EntityManager) {
    const result = await recomputeAndRecordRfmScores(em, params, { actor, trace });
    const rows: { id: string; envelope: { customers: unknown[] } }[] = await em.query(
      `SELECT id, envelope FROM outbox WHERE tenant_id = $1 AND type = $2 ORDER BY created_at, id`,
      [tenantId, RFM_CHANGES_OUTBOX_TYPE],
    );
    const expanded = rows.map((r) => expandRfmChanges(r));
    // The relay may expand a row again after a rollback: the copies must carry the same ids.
    expect(rows.map((r) => expandRfmChanges(r))).toEqual(expanded);
    return { result, rows, envelopes: expanded.flat() };
  }

  /** The Node path: what RfmService.recompute announced before ADR 061, from the same statement's changes. */
  async function nodePath(em: EntityManager) {
    const { changes, ...result } = await recomputeRfmScores(em, params);
    const events = changes.map((c) =>
      newEvent({ type: CUSTOMER_RFM_CHANGED, tenantId, actor, subjectId: c.contactId, data: rfmChangedData(AS_OF.toISOString(), c) }),
    );
    return { result, events };
  }

  const withoutIdentity = (events: readonly EventEnvelope[]) =>
    events.map(
      ({ id: _id, occurredAt: _at, [STORED_TRACE_KEY]: _trace, ...rest }: EventEnvelope & { [STORED_TRACE_KEY]?: unknown }) => rest,
    );

  async function compare(): Promise<number> {
    const sql = await rolledBack(sqlPath);
    const node = await rolledBack(nodePath);
    expect(sql.result).toEqual({ ...node.result, customersChanged: node.events.length });
    expect(sql.envelopes.length).toBe(node.events.length);
    const [fromSql, fromNode] = [withoutIdentity(sql.envelopes), withoutIdentity(node.events)];
    const differing = fromSql.flatMap((e, i) => (JSON.stringify(e) === JSON.stringify(fromNode[i]) ? [] : [i]));
    expect({ count: differing.length, first: fromSql[differing[0]], expected: fromNode[differing[0]] }).toEqual({
      count: 0,
      first: undefined,
      expected: undefined,
    });
    expect(fromSql).toEqual(fromNode);
    // What only the SQL path makes: ids (UUID v7, unique, derived from their row's), one instant per row, the trace context.
    expect(new Set(sql.envelopes.map((e) => e.id)).size).toBe(sql.envelopes.length);
    let at = 0;
    for (const row of sql.rows) {
      expect(row.id).toMatch(UUID_V7);
      expect(row.envelope.customers.length).toBeLessThanOrEqual(OUTBOX_PACK);
      for (const e of sql.envelopes.slice(at, at + row.envelope.customers.length)) {
        expect(e.id).toMatch(UUID_V7);
        expect(e.id.slice(0, 28)).toBe(row.id.slice(0, 28));
        expect(new Date(e.occurredAt).toISOString()).toBe(e.occurredAt);
        expect((e as EventEnvelope & Record<string, unknown>)[STORED_TRACE_KEY]).toEqual(trace);
      }
      at += row.envelope.customers.length;
    }
    return node.events.length;
  }

  beforeAll(async () => {
    db = await scratchDatabase('rfmrec', analyticsDefinition.migrations);
    await db.dataSource.transaction(async (em) => {
      await em.query(`INSERT INTO contacts (tenant_id, id) SELECT $1, c FROM unnest($2::uuid[]) c`, [tenantId, contacts]);
      await addOrders(em, contacts);
    });
  });
  afterAll(() => db?.drop());

  it('a first recompute: every customer in the window announced, in rows of at most a pack', async () => {
    const events = await compare();
    expect(events).toBeGreaterThan(OUTBOX_PACK * 2);
  });

  it('a recompute after a random tenth bought again or was refunded, and some dropped out: only they are announced, alike', async () => {
    await db.dataSource.transaction((em) => recomputeAndRecordRfmScores(em, params, { actor, trace }));
    await db.dataSource.transaction(async (em) => {
      await em.query(`DELETE FROM outbox`);
      await addOrders(em, sample(0.1));
      // Dropped out: every order of these cancelled.
      await em.query(`UPDATE orders SET status = 'CANCELLED' WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])`, [
        tenantId,
        sample(0.03),
      ]);
    });
    const events = await compare();
    expect(events).toBeGreaterThan(0);
    expect(events).toBeLessThan(CUSTOMERS);
  });
});

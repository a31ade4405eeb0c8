import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { EventEnvelope } from '@rapport/contracts';
import { OUTBOX_PACK } from '@rapport/messaging';
import { scratchDatabase, seededRandom } from '@rapport/testing';
import type { EntityManager } from 'typeorm';
import { analyticsDefinition } from '../analytics.definition';
import { SCORED_CUSTOMERS_OUTBOX_TYPE, SCORED_CUSTOMERS_PER_ROW } from './clv-chunk-sql';
import { scoringEvents, valueChanges } from './clv-events';
import { FULL_SCORING_WORK_MEM_MB, scoreCustomers } from './clv-scoring-sql';
import { FIXTURE_AS_OF as AS_OF, fixtureGroups, fullScoringParams } from './full-scoring.fixture';
import { expandScoredCustomers } from './scored-customers-outbox';

const CUSTOMERS = 2_500;
const CHUNK = 700;
const DAY = 86_400_000;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * ADR 055, 060: a full scoring records its changed customers in SQL, as
 * compact outbox rows (SCORE_AND_RECORD_CHUNK_SQL) that the relay expands
 * (expandScoredCustomers). The expanded rows must be exactly the events the
 * Node path makes from the same chunks (chunkChanges → valueChanges →
 * scoringEvents, what ClvEngine did before ADR 055):
 * both paths run on the same tenant, each in a transaction rolled back
 * afterwards, on a random sample of customers (random orders, open
 * complaints), for a first scoring (every customer announced) and for a
 * rescoring after a random tenth of them changed.
 */
describe('CLV scoring: events recorded in SQL, expanded, equal those built in Node', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  const tenantId = randomUUID();
  const random = seededRandom(55);
  const contacts = Array.from({ length: CUSTOMERS }, () => randomUUID());

  const params = () => fullScoringParams(tenantId, '0190a0a0-0000-7000-8000-000000000001');
  const groups = fixtureGroups;

  async function addOrders(em: EntityManager, who: readonly string[]): Promise<void> {
    const rows = who.flatMap((contact) =>
      Array.from({ length: 1 + Math.floor(random() * 6) }, () => ({
        contact,
        at: new Date(AS_OF.getTime() - Math.floor(random() * 720) * DAY - Math.floor(random() * DAY)).toISOString(),
        // Amounts with cents and some with tenths of a cent, so CLVs land anywhere.
        amount: (5 + random() * 400).toFixed(random() < 0.2 ? 4 : 2),
      })),
    );
    await em.query(
      `INSERT INTO orders (id, tenant_id, source, external_order_id, contact_id, customer_contact_id, occurred_at, amount, currency, status)
       SELECT gen_random_uuid(), $1, 't', gen_random_uuid()::text, o.contact, o.contact, o.at, o.amount, 'EUR', 'PLACED'
         FROM jsonb_to_recordset($2::jsonb) AS o(contact uuid, at timestamptz, amount numeric)`,
      [tenantId, JSON.stringify(rows)],
    );
  }

  async function openComplaints(em: EntityManager, who: readonly string[]): Promise<void> {
    await em.query(
      `INSERT INTO contact_cases (tenant_id, case_id, contact_id, category, status, changed_at, snapshot_at)
       SELECT $1, gen_random_uuid(), c, 'COMPLAINT', 'OPEN', now(), now() FROM unnest($2::uuid[]) c`,
      [tenantId, who],
    );
  }

  const sample = (share: number) => contacts.filter(() => random() < share);

  /** Runs `work` in a transaction that is always rolled back. */
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

  /** The SQL path: the envelopes its chunks' rows expand to, in publishing order (rows by (created_at, id), then within the row). */
  async function sqlPath(
    em: EntityManager,
  ): Promise<{ envelopes: EventEnvelope[]; rows: { size: number; id: string; customers: number }[] }> {
    await scoreCustomers(em, params(), groups, { announce: { trace: null, announced: async () => undefined } }, CHUNK);
    const rows: { id: string; envelope: { customers: unknown[] } }[] = await em.query(
      `SELECT id, envelope FROM outbox WHERE tenant_id = $1 AND type = $2 ORDER BY created_at, id`,
      [tenantId, SCORED_CUSTOMERS_OUTBOX_TYPE],
    );
    const expanded = rows.map((r) => ({ row: r, envelopes: expandScoredCustomers(r) }));
    // Expanding is deterministic: the relay may expand a row again after a rollback, and the copies must carry the same ids.
    expect(rows.map((r) => expandScoredCustomers(r))).toEqual(expanded.map((e) => e.envelopes));
    return {
      envelopes: expanded.flatMap((e) => e.envelopes),
      rows: expanded.map((e) => ({ size: e.envelopes.length, id: e.row.id, customers: e.row.envelope.customers.length })),
    };
  }

  /** The Node path: the same chunks' changes made into events as ClvEngine made them before ADR 055. */
  async function nodePath(em: EntityManager): Promise<EventEnvelope[]> {
    const events: EventEnvelope[] = [];
    await scoreCustomers(
      em,
      params(),
      groups,
      {
        chunk: async (chunk) => {
          events.push(...scoringEvents(tenantId, chunk, chunk.tierChanges, valueChanges(chunk, chunk.tierChanges, AS_OF)));
        },
      },
      CHUNK,
    );
    return events;
  }

  const withoutIdentity = (events: readonly EventEnvelope[]) => events.map(({ id: _id, occurredAt: _at, ...rest }) => rest);

  async function compare(): Promise<number> {
    const sql = await rolledBack(sqlPath);
    const node = await rolledBack(nodePath);
    expect(sql.envelopes.length).toBe(node.length);
    // The order across customers is the chunk's row order in either path (not part of the contract); a customer's own
    // events keep theirs (tier, band, value): a stable sort by customer keeps it. Compared one by one: a diff of
    // thousands of envelopes would take jest minutes to print.
    const byCustomer = (events: ReturnType<typeof withoutIdentity>) => [...events].sort((x, y) => x.subjectId.localeCompare(y.subjectId));
    const [fromSql, fromNode] = [byCustomer(withoutIdentity(sql.envelopes)), byCustomer(withoutIdentity(node))];
    const differing = fromSql.flatMap((e, i) => (isDeepStrictEqual(e, fromNode[i]) ? [] : [i]));
    expect({ count: differing.length, first: fromSql[differing[0]], expected: fromNode[differing[0]] }).toEqual({
      count: 0,
      first: undefined,
      expected: undefined,
    });
    // What only the SQL path makes: ids (UUID v7, unique, derived from their row's), instants, rows of at most SCORED_CUSTOMERS_PER_ROW customers.
    expect(new Set(sql.envelopes.map((e) => e.id)).size).toBe(sql.envelopes.length);
    for (const e of sql.envelopes) {
      expect(e.id).toMatch(UUID_V7);
      expect(new Date(e.occurredAt).toISOString()).toBe(e.occurredAt);
    }
    let at = 0;
    for (const r of sql.rows) {
      expect(r.id).toMatch(UUID_V7);
      expect(r.customers).toBeLessThanOrEqual(SCORED_CUSTOMERS_PER_ROW);
      expect(r.size).toBeLessThanOrEqual(OUTBOX_PACK);
      for (const e of sql.envelopes.slice(at, at + r.size)) expect(e.id.slice(0, 28)).toBe(r.id.slice(0, 28));
      at += r.size;
    }
    expect(sql.rows.length).toBeGreaterThan(1);
    return node.length;
  }

  beforeAll(async () => {
    db = await scratchDatabase('clvchunk', analyticsDefinition.migrations);
    await db.dataSource.transaction(async (em) => {
      await em.query(`INSERT INTO contacts (tenant_id, id) SELECT $1, c FROM unnest($2::uuid[]) c`, [tenantId, contacts]);
      await addOrders(em, contacts);
      await openComplaints(em, sample(0.05));
    });
  });
  afterAll(() => db?.drop());

  it('a first scoring: every customer announced (tier, band and value events), chunk by chunk', async () => {
    const events = await compare();
    expect(events).toBeGreaterThanOrEqual(2 * CUSTOMERS);
  });

  it('a rescoring after a random tenth of the customers bought again or complained: only they are announced, alike', async () => {
    // The first scoring, committed (SQL path), is what the rescoring compares against.
    await db.dataSource.transaction((em) =>
      scoreCustomers(em, params(), groups, { announce: { trace: null, announced: async () => undefined } }, CHUNK),
    );
    await db.dataSource.transaction(async (em) => {
      await em.query(`DELETE FROM outbox`);
      await addOrders(em, sample(0.1));
      await openComplaints(em, sample(0.05));
    });
    const events = await compare();
    expect(events).toBeGreaterThan(0);
    expect(events).toBeLessThan(CUSTOMERS);
  });

  it('removes the values of customers gone from the population (every order cancelled), for this tenant only, full or incremental', async () => {
    // After the committed scoring of the rescoring test: a twentieth of the customers lose every order.
    const gone = sample(0.05);
    const kept = contacts.filter((c) => !gone.includes(c));
    const otherTenant = randomUUID();
    const removedBy = (contactIds: readonly string[] | null) =>
      rolledBack(async (em) => {
        await em.query(`UPDATE orders SET status = 'CANCELLED' WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])`, [tenantId, gone]);
        // Another tenant's row for one of the same contacts: never this tenant's scoring's to remove.
        await em.query(
          `INSERT INTO customer_values (tenant_id, contact_id, model_id, x, t_x, t, m, p_alive, expected_purchases, expected_average_spend,
                                        clv, currency, churn_risk, churn_band, tier, scored_at, open_complaints, activity_trend, as_of)
           SELECT $2, contact_id, model_id, x, t_x, t, m, p_alive, expected_purchases, expected_average_spend,
                  clv, currency, churn_risk, churn_band, tier, scored_at, open_complaints, activity_trend, as_of
             FROM customer_values WHERE tenant_id = $1 AND contact_id = $3`,
          [tenantId, otherTenant, gone[0]],
        );
        const result = await scoreCustomers(
          em,
          { ...params(), contactIds },
          groups,
          contactIds ? {} : { announce: { trace: null, announced: async () => undefined } },
          CHUNK,
        );
        const left: { contact_id: string }[] = await em.query(`SELECT contact_id FROM customer_values WHERE tenant_id = $1`, [tenantId]);
        const other: unknown[] = await em.query(`SELECT 1 FROM customer_values WHERE tenant_id = $1`, [otherTenant]);
        return { result, left: left.map((r) => r.contact_id).sort(), other: other.length };
      });
    expect(gone.length).toBeGreaterThan(0);
    const full = await removedBy(null);
    expect([...full.result.removed].sort()).toEqual([...gone].sort());
    expect(full.result.scored).toBe(kept.length);
    expect(full.left).toEqual([...kept].sort());
    expect(full.other).toBe(1);
    // Incremental: only the contacts named are looked at.
    const named = [...gone.slice(0, 3), ...kept.slice(0, 3)];
    const incremental = await removedBy(named);
    expect([...incremental.result.removed].sort()).toEqual(gone.slice(0, 3).sort());
    expect(incremental.result.scored).toBe(3);
    expect(incremental.left).toEqual(contacts.filter((c) => !gone.slice(0, 3).includes(c)).sort());
    expect(incremental.other).toBe(1);
  });

  it('runs a full scoring with the work_mem it is given (ANALYTICS_SCORING_WORK_MEM_MB), else 512 MB, in its transaction only', async () => {
    const workMemAfter = (workMemMb?: number) =>
      rolledBack(async (em) => {
        await scoreCustomers(
          em,
          { ...params(), workMemMb },
          groups,
          { announce: { trace: null, announced: async () => undefined } },
          CHUNK,
        );
        return ((await em.query(`SHOW work_mem`)) as { work_mem: string }[])[0].work_mem;
      });
    expect(await workMemAfter(64)).toBe('64MB');
    expect(await workMemAfter()).toBe(`${FULL_SCORING_WORK_MEM_MB}MB`);
    await expect(workMemAfter(0)).rejects.toThrow('work_mem must be a whole number of MB, not 0');
    const [{ work_mem: outside }] = (await db.dataSource.query(`SHOW work_mem`)) as { work_mem: string }[];
    expect(outside).not.toBe('64MB');
  });
});

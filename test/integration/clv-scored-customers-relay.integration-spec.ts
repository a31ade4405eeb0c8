import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { STREAMS, type EventEnvelope } from '@rapport/contracts';
import { ensureStream, OutboxRelay } from '@rapport/messaging';
import { scratchDatabase, seededRandom, StreamProbe } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import type { EntityManager } from 'typeorm';
import { analyticsDefinition } from '../../apps/analytics/src/analytics.definition';
import { scoringEvents, valueChanges } from '../../apps/analytics/src/clv/clv-events';
import { scoreCustomers } from '../../apps/analytics/src/clv/clv-scoring-sql';
import { FIXTURE_AS_OF as AS_OF, fixtureGroups, fullScoringParams } from '../../apps/analytics/src/clv/full-scoring.fixture';
import { marketingDefinition } from '../../apps/marketing/src/marketing.definition';
import { applyScoreRun } from '../../apps/marketing/src/read-model/score-runs';

const CUSTOMERS = 1_500;
const CHUNK = 600;
const DAY = 86_400_000;
const silent = { error: () => undefined, debug: () => undefined };

/**
 * ADR 060 end to end: a full scoring's compact outbox rows, published by the
 * service's relay (with analytics' expanders) to JetStream, are the messages
 * the per-customer path made — so every consumer of the stream (marketing's
 * read model and journeys, sales' tier copy, service's tiers, partners'
 * webhooks, subscriptions) gets what it got before — and marketing's read
 * model, fed each path's messages the way its consumer applies them,
 * ends the same.
 */
describe('CLV scoring: compact outbox rows reach consumers as the per-customer events', () => {
  let analytics: Awaited<ReturnType<typeof scratchDatabase>>;
  let marketingFromRows: Awaited<ReturnType<typeof scratchDatabase>>;
  let marketingFromNode: Awaited<ReturnType<typeof scratchDatabase>>;
  let nc: NatsConnection;
  let probe: StreamProbe;
  let stream: string;
  const token = randomUUID().slice(0, 8);
  const naming = {
    subjectPrefix: `${process.env.NATS_SUBJECT_PREFIX}${token}`,
    streamSuffix: `${token}_${process.env.NATS_STREAM_SUFFIX}`,
  };
  const tenantId = randomUUID();
  const random = seededRandom(60);
  const contacts = Array.from({ length: CUSTOMERS }, () => randomUUID());

  const params = () => fullScoringParams(tenantId, '0190a0a0-0000-7000-8000-000000000060');
  const groups = fixtureGroups;

  beforeAll(async () => {
    analytics = await scratchDatabase('clvrelay', analyticsDefinition.migrations);
    marketingFromRows = await scratchDatabase('clvrelaymkta', marketingDefinition.migrations);
    marketingFromNode = await scratchDatabase('clvrelaymktb', marketingDefinition.migrations);
    nc = await connect({ servers: process.env.NATS_URL });
    stream = await ensureStream(nc, naming, STREAMS.ANALYTICS);
    probe = await StreamProbe.connect();
    const orders = contacts.flatMap((contact) =>
      Array.from({ length: 1 + Math.floor(random() * 5) }, () => ({
        contact,
        at: new Date(AS_OF.getTime() - Math.floor(random() * 720) * DAY).toISOString(),
        amount: (5 + random() * 400).toFixed(2),
      })),
    );
    await analytics.dataSource.transaction(async (em) => {
      await em.query(`INSERT INTO contacts (tenant_id, id) SELECT $1, c FROM unnest($2::uuid[]) c`, [tenantId, contacts]);
      await em.query(
        `INSERT INTO orders (id, tenant_id, source, external_order_id, contact_id, customer_contact_id, occurred_at, amount, currency, status)
         SELECT gen_random_uuid(), $1, 't', gen_random_uuid()::text, o.contact, o.contact, o.at, o.amount, 'EUR', 'PLACED'
           FROM jsonb_to_recordset($2::jsonb) AS o(contact uuid, at timestamptz, amount numeric)`,
        [tenantId, JSON.stringify(orders)],
      );
      await em.query(
        `INSERT INTO contact_cases (tenant_id, case_id, contact_id, category, status, changed_at, snapshot_at)
         SELECT $1, gen_random_uuid(), c, 'COMPLAINT', 'OPEN', now(), now() FROM unnest($2::uuid[]) c`,
        [tenantId, contacts.filter(() => random() < 0.05)],
      );
    });
  });

  afterAll(async () => {
    await probe?.close();
    await (await nc?.jetstreamManager())?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
    await Promise.all([analytics?.drop(), marketingFromRows?.drop(), marketingFromNode?.drop()]);
  });

  /** The per-customer path (ClvEngine before ADR 055), in a transaction rolled back afterwards. */
  async function nodePathEvents(): Promise<EventEnvelope[]> {
    const runner = analytics.dataSource.createQueryRunner();
    await runner.startTransaction();
    const events: EventEnvelope[] = [];
    try {
      await scoreCustomers(
        runner.manager,
        params(),
        groups,
        { chunk: async (c) => void events.push(...scoringEvents(tenantId, c, c.tierChanges, valueChanges(c, c.tierChanges, AS_OF))) },
        CHUNK,
      );
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    return events;
  }

  /** Applies events as marketing's read-model consumer does: batches of one tenant, each in its transaction. */
  async function project(db: typeof marketingFromRows, events: readonly EventEnvelope[]): Promise<unknown[]> {
    for (let i = 0; i < events.length; i += 500) {
      await db.tenantDb.withTenant(tenantId, (em: EntityManager) => applyScoreRun(em, tenantId, events.slice(i, i + 500)));
    }
    return db.tenantDb.withTenant(tenantId, (em) =>
      em.query(`SELECT id, tier, clv::text, clv_currency, churn_band, churn_risk FROM contacts ORDER BY id`),
    );
  }

  it('publishes each compact row as the per-customer messages, and marketing’s read model ends as with those', async () => {
    const fromNode = await nodePathEvents();
    await analytics.dataSource.transaction((em) =>
      scoreCustomers(em, params(), groups, { announce: { trace: null, announced: async () => undefined } }, CHUNK),
    );
    const relay = new OutboxRelay(analytics.dataSource, nc, naming, silent, { expanders: analyticsDefinition.outboxExpanders });
    expect(await relay.drain()).toBe(fromNode.length);
    const published = await probe.events(stream, `${naming.subjectPrefix}.analytics.>`);

    // The same messages, customer by customer (a customer's own events in the same order), ids and instants apart.
    const comparable = (events: readonly EventEnvelope[]) =>
      events.map(({ id: _id, occurredAt: _at, ...rest }) => rest).sort((x, y) => x.subjectId.localeCompare(y.subjectId));
    const [wire, node] = [comparable(published), comparable(fromNode)];
    expect(wire.length).toBe(node.length);
    const differing = wire.flatMap((e, i) => (isDeepStrictEqual(e, node[i]) ? [] : [i]));
    expect({ count: differing.length, first: wire[differing[0]], expected: node[differing[0]] }).toEqual({
      count: 0,
      first: undefined,
      expected: undefined,
    });
    expect(new Set(published.map((e) => e.id)).size).toBe(published.length);
    expect(fromNode.length).toBeGreaterThanOrEqual(2 * CUSTOMERS);

    // A consumer's result: marketing's contacts (tier, CLV, churn band and risk) fed either path's messages.
    const projectedFromRows = await project(marketingFromRows, published);
    const projectedFromNode = await project(marketingFromNode, fromNode);
    expect(projectedFromRows).toHaveLength(CUSTOMERS);
    expect(projectedFromRows).toEqual(projectedFromNode);

    // Published once: the rows are marked, a second drain sends nothing.
    expect(await relay.drain()).toBe(0);
  });
});

/**
 * The crash suite: every service that consumes events (sales, service,
 * analytics, marketing; identity consumes none) runs as its own built
 * process, as deployed, while a flood of events arrives on its streams. Each
 * is killed with SIGKILL part-way through — no shutdown code runs, messages
 * are in flight, transactions open — and started again. Afterwards every
 * event has had its effect exactly once: one inbox row per event and
 * consumer, and the domain rows the events describe, no more and no fewer.
 * Nothing is left pending on any consumer.
 *
 * One event per consumer is poisoned: a trigger makes its write fail, as a
 * broken dependency would, until the retry budget (shrunk here with
 * EVENT_RETRY_DELAYS_MS) is spent and the event is parked in the service's
 * dead letter. Replay, once the fault is gone, applies it exactly once, and
 * a second replay finds nothing.
 *
 * The events are published straight to JetStream in the contracts' envelope
 * (Nats-Msg-Id = event id), as their producers' outbox relays do; analytics'
 * own events (orders recorded, RFM changes) go through its real outbox and
 * relay to marketing and service, across analytics' crash too.
 *
 * Needs `npm run build` first (npm test does it).
 */
import { randomUUID } from 'node:crypto';
import {
  CONTACT_CREATED,
  CUSTOMER_TIER_CHANGED,
  ORDER_PLACED,
  ORDER_RECORDED,
  STREAMS,
  SYSTEM_ACTOR,
  USER_CREATED,
  type ContactSnapshotV1,
  type EventEnvelope,
  type StreamDefinition,
  type UserSnapshotV1,
} from '@rapport/contracts';
import { durableFor, listParked, newEvent, outboxEnvelopes, replayAllParked, streamFor, type MessagingNaming } from '@rapport/messaging';
import { connect, type NatsConnection } from 'nats';
import { Pool } from 'pg';
import { ANALYTICS_SERVICE_OUTBOX_EXPANDERS } from '../../../apps/analytics/src/messaging/outbox-expanders';
import { READ_MODEL_EVENTS } from '../../../apps/marketing/src/read-model/read-model-projector';
import { ServiceProcess } from '../../harness/service-process';

// Four services start, take a flood, die and start again: about 8 minutes on two cores shared with other
// test runs (load average 16; CRASH_EVENTS=2000: 2.5 minutes under that load).
jest.setTimeout(600_000);

/**
 * Events per consumer service: 10,000 (each service's consumers take that many and more); CRASH_EVENTS sets
 * fewer for a quick local run on a busy machine.
 */
const SCALE = Number(process.env.CRASH_EVENTS ?? 10_000);
const USERS = SCALE;
const CONTACTS = SCALE;
const ORDERS = Math.ceil(SCALE / 5);
/** A service is killed once its first consumer has applied this share of what it will get. */
const KILL_AT = 0.25;

/**
 * The suite's own streams, subjects, schemas and queues (still carrying the
 * run's id, so teardown removes them): 22,000 events left on the run's
 * shared streams would slow every later test that reads those streams.
 */
const ISOLATION = `crash_${process.env.RAPPORT_TEST_RUN_ID ?? 'local'}`;
const ISOLATION_ENV = {
  NATS_SUBJECT_PREFIX: ISOLATION,
  NATS_STREAM_SUFFIX: ISOLATION,
  DB_SCHEMA_SUFFIX: ISOLATION,
  REDIS_PREFIX: `${process.env.REDIS_PREFIX ?? 'rapport-test'}crash`,
};
const naming: MessagingNaming = { subjectPrefix: ISOLATION_ENV.NATS_SUBJECT_PREFIX, streamSuffix: ISOLATION_ENV.NATS_STREAM_SUFFIX };
const schemaOf = (service: string) => `${service}_${ISOLATION_ENV.DB_SCHEMA_SUFFIX}`;

const tenantId = randomUUID();
/** The user and the contact whose writes fail until the fault is lifted. */
const POISONED_USER = randomUUID();
const POISONED_CONTACT = randomUUID();

interface Consumer {
  durable: string;
  stream: StreamDefinition;
  /** It takes the poisoned event (and parks it). */
  poisoned?: boolean;
}

interface Expected {
  what: string;
  count: number;
  /** What is found: counted by this SQL (`$1` = the tenant)… */
  sql?: string;
  /** …or by this (events in compact outbox rows, which SQL cannot expand). */
  counted?: () => Promise<number>;
  /** The poisoned event counts here: one short until it is replayed. */
  poisoned?: boolean;
}

interface Subject {
  service: string;
  /** Its consumers; the first one's progress decides when the process is killed. */
  consumers: Consumer[];
  /** The table holding the rows the poisoned event writes. */
  poisonedTable: string;
  poisonedId: string;
  /** Rows its effects must have left, each counted by SQL in its schema (`$1` = the tenant). */
  expected: () => Promise<Expected[]>;
}

const inboxOf = (service: string, consumer: string) =>
  `SELECT count(*)::int AS n FROM ${schemaOf(service)}.inbox WHERE tenant_id = $1 AND consumer = '${consumer}'`;
const rowsOf = (service: string, table: string, where = '') =>
  `SELECT count(*)::int AS n FROM ${schemaOf(service)}.${table} WHERE tenant_id = $1 ${where}`;

describe('crash suite: SIGKILL of every consumer service during a flood; every effect exactly once', () => {
  let db: Pool;
  let nc: NatsConnection;
  const running = new Map<string, ServiceProcess>();
  const report: Record<string, unknown> = {};
  const afterDone: (() => void)[] = [];
  const count = async (sql: string): Promise<number> => (await db.query(sql, [tenantId])).rows[0].n as number;
  /**
   * Analytics' published events of these types for the tenant (and `where`),
   * compact rows (scorings' and RFM recomputes' changes, recorded orders,
   * ADR 060, 061, 075) expanded as the relay expands them: what its
   * consumers downstream must have applied.
   */
  const analyticsPublished = async (types: readonly string[], where: (e: EventEnvelope) => boolean = () => true): Promise<number> => {
    const client = await db.connect();
    try {
      await client.query(`SET search_path TO ${schemaOf('analytics')}`);
      const reader = { query: async (sql: string, params: unknown[]) => (await client.query(sql, params)).rows };
      const events = await outboxEnvelopes(reader, tenantId, ANALYTICS_SERVICE_OUTBOX_EXPANDERS);
      return events.filter((e) => types.includes(e.type) && where(e)).length;
    } finally {
      await client.query('RESET search_path');
      client.release();
    }
  };

  const SUBJECTS: Subject[] = [
    {
      service: 'sales',
      consumers: [{ durable: 'sales_identity_users', stream: STREAMS.IDENTITY, poisoned: true }],
      poisonedTable: 'identity_users',
      poisonedId: POISONED_USER,
      expected: async () => [
        { what: 'inbox sales_identity_users', count: USERS, sql: inboxOf('sales', 'sales_identity_users'), poisoned: true },
        { what: 'identity_users', count: USERS, sql: rowsOf('sales', 'identity_users'), poisoned: true },
      ],
    },
    {
      service: 'service',
      consumers: [
        { durable: 'service_customer_master', stream: STREAMS.SALES, poisoned: true },
        { durable: 'service_customer_tiers', stream: STREAMS.ANALYTICS },
      ],
      poisonedTable: 'customer_contacts',
      poisonedId: POISONED_CONTACT,
      expected: async () => [
        { what: 'inbox service_customer_master', count: CONTACTS, sql: inboxOf('service', 'service_customer_master'), poisoned: true },
        { what: 'customer_contacts', count: CONTACTS, sql: rowsOf('service', 'customer_contacts'), poisoned: true },
        {
          what: 'inbox service_customer_tiers (= tier events analytics published)',
          count: await analyticsPublished([CUSTOMER_TIER_CHANGED]),
          sql: inboxOf('service', 'service_customer_tiers'),
        },
      ],
    },
    {
      service: 'analytics',
      consumers: [
        { durable: 'analytics_contacts', stream: STREAMS.SALES, poisoned: true },
        { durable: 'analytics_orders', stream: STREAMS.COMMERCE },
      ],
      poisonedTable: 'contacts',
      poisonedId: POISONED_CONTACT,
      expected: async () => [
        { what: 'inbox analytics_contacts', count: CONTACTS, sql: inboxOf('analytics', 'analytics_contacts'), poisoned: true },
        { what: 'contacts', count: CONTACTS, sql: rowsOf('analytics', 'contacts'), poisoned: true },
        { what: 'inbox analytics_orders', count: ORDERS, sql: inboxOf('analytics', 'analytics_orders') },
        { what: 'orders', count: ORDERS, sql: rowsOf('analytics', 'orders') },
        // Each order announced once as created; one that arrived before its contact once more when matched to it.
        {
          what: 'order.recorded CREATED',
          count: ORDERS,
          counted: () => analyticsPublished([ORDER_RECORDED], (e) => (e.data as { change?: string }).change === 'CREATED'),
        },
        {
          what: 'orders announced as matched more than once',
          count: 0,
          sql: `SELECT (count(*) - count(DISTINCT envelope->>'subjectId'))::int AS n FROM ${schemaOf('analytics')}.outbox
                 WHERE tenant_id = $1 AND type = '${ORDER_RECORDED}' AND envelope->'data'->>'change' = 'UPDATED'`,
        },
        { what: 'orders without their contact', count: 0, sql: rowsOf('analytics', 'orders', 'AND contact_id IS NULL') },
        { what: 'outbox unpublished', count: 0, sql: rowsOf('analytics', 'outbox', 'AND published_at IS NULL') },
      ],
    },
    {
      service: 'marketing',
      consumers: [
        { durable: 'marketing_sales', stream: STREAMS.SALES, poisoned: true },
        { durable: 'marketing_analytics', stream: STREAMS.ANALYTICS },
      ],
      poisonedTable: 'contacts',
      poisonedId: POISONED_CONTACT,
      expected: async () => [
        { what: 'inbox marketing_sales', count: CONTACTS, sql: inboxOf('marketing', 'marketing_sales'), poisoned: true },
        { what: 'contacts', count: CONTACTS, sql: rowsOf('marketing', 'contacts', 'AND sales_updated_at IS NOT NULL'), poisoned: true },
        {
          what: 'inbox marketing_analytics (= read-model events analytics published)',
          count: await analyticsPublished(READ_MODEL_EVENTS.ANALYTICS),
          sql: inboxOf('marketing', 'marketing_analytics'),
        },
        { what: 'contact_orders', count: ORDERS, sql: rowsOf('marketing', 'contact_orders') },
      ],
    },
  ];

  beforeAll(async () => {
    db = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
    nc = await connect({ servers: process.env.NATS_URL });
    const env = {
      ...ISOLATION_ENV,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      // Three attempts 100 ms apart, then the dead letter: the hour-long default's path, in a moment.
      EVENT_RETRY_DELAYS_MS: '100,100',
      // No identity runs here: nothing asks for tokens.
      IDENTITY_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
    };
    // One at a time: migrations of a fresh run create shared roles.
    for (const { service } of SUBJECTS) running.set(service, await ServiceProcess.start(service, env));
    for (const s of SUBJECTS) await poison(s, true);
  });

  afterAll(async () => {
    for (const done of afterDone) done();
    for (const p of running.values()) {
      // What each process said, for a failure's diagnosis (LOG_LEVEL warn: little when all is well).
      report[`${p.service}Output`] = p
        .output()
        .split('\n')
        .slice(-4)
        .map((line) => line.slice(0, 400));
      await p.stop();
    }
    if (db) for (const s of SUBJECTS) await poison(s, false).catch(() => undefined);
    await db?.end();
    await nc?.close();
    console.log(`crash suite:\n${JSON.stringify(report, null, 2)}`);
  });

  /** A trigger that makes writing the poisoned row fail (on), or its removal (off). */
  async function poison({ service, poisonedTable, poisonedId }: Subject, on: boolean): Promise<void> {
    const schema = schemaOf(service);
    if (!on) {
      await db.query(`DROP TRIGGER IF EXISTS crash_poison ON ${schema}.${poisonedTable}`);
      await db.query(`DROP FUNCTION IF EXISTS ${schema}.crash_poison()`);
      return;
    }
    await db.query(`CREATE OR REPLACE FUNCTION ${schema}.crash_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.id = '${poisonedId}' THEN RAISE EXCEPTION 'crash suite: % is poisoned', NEW.id; END IF;
        RETURN NEW;
      END $$`);
    await db.query(`CREATE TRIGGER crash_poison BEFORE INSERT OR UPDATE ON ${schema}.${poisonedTable}
      FOR EACH ROW EXECUTE FUNCTION ${schema}.crash_poison()`);
  }

  /** Under load an acknowledgement can come late; the msgID makes another try harmless (JetStream drops the duplicate). */
  const publish = async (event: EventEnvelope) => {
    const subject = `${naming.subjectPrefix}.${event.type}`;
    for (let attempt = 1; ; attempt++) {
      try {
        return await nc.jetstream().publish(subject, Buffer.from(JSON.stringify(event)), { msgID: event.id, timeout: 15_000 });
      } catch (err) {
        if (attempt >= 5 || (err as { code?: string }).code !== 'TIMEOUT') throw err;
      }
    }
  };
  const envelope = (type: string, subjectId: string, data: unknown) =>
    newEvent({ type, tenantId, actor: SYSTEM_ACTOR, subjectId, data, occurredAt: new Date() });

  /** Users, contacts and orders interleaved, so every stream fills at once; 200 publishes in flight. */
  function* flood(): Generator<EventEnvelope> {
    const now = new Date().toISOString();
    for (let i = 0; i < Math.max(USERS, CONTACTS); i++) {
      if (i < USERS) {
        const id = i === USERS - 1 ? POISONED_USER : randomUUID();
        const user: UserSnapshotV1 = { id, email: `user${i}@crash.test`, displayName: `User ${i}`, roles: ['sales_rep'], active: true };
        yield envelope(USER_CREATED, id, { user });
      }
      if (i < CONTACTS) {
        const id = i === CONTACTS - 1 ? POISONED_CONTACT : randomUUID();
        const contact: ContactSnapshotV1 = {
          id,
          accountId: null,
          ownerId: null,
          firstName: 'Crash',
          lastName: `Contact ${i}`,
          emails: [`contact${i}@crash.test`],
          phones: [],
          externalIds: [],
          createdAt: now,
          updatedAt: now,
        };
        yield envelope(CONTACT_CREATED, id, { contact });
        if (i < ORDERS) {
          const order = {
            source: 'crash',
            externalOrderId: `order-${i}`,
            contactId: id,
            occurredAt: new Date(Date.now() - (i % 365) * 86_400_000).toISOString(),
            amount: `${10 + (i % 90)}.50`,
            currency: 'EUR',
          };
          yield envelope(ORDER_PLACED, `order-${i}`, { order });
        }
      }
    }
  }

  async function consumerState(c: Consumer): Promise<{ pending: number; inFlight: number }> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.consumers.info(streamFor(naming, c.stream).name, durableFor(naming, c.durable));
    return { pending: info.num_pending, inFlight: info.num_ack_pending };
  }

  /**
   * Waits until every count is what it should be (analytics keeps publishing RFM changes for a moment after its
   * consumers caught up), then returns the counts as found, for one assertion that names any difference.
   */
  async function settle(replayed: boolean): Promise<{ found: object[]; wanted: object[] }> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found: object[] = [];
      const wanted: object[] = [];
      for (const s of SUBJECTS) {
        for (const e of await s.expected()) {
          found.push({ service: s.service, what: e.what, count: e.counted ? await e.counted() : await count(e.sql as string) });
          wanted.push({ service: s.service, what: e.what, count: e.count - (e.poisoned && !replayed ? 1 : 0) });
        }
      }
      if (JSON.stringify(found) === JSON.stringify(wanted) || Date.now() > deadline) return { found, wanted };
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it('floods, kills each consumer service mid-flood with SIGKILL and restarts it; then every effect is there exactly once', async () => {
    const started = Date.now();
    let published = 0;
    const publishing = (async () => {
      let inFlight: Promise<unknown>[] = [];
      for (const event of flood()) {
        inFlight.push(publish(event));
        published++;
        if (inFlight.length >= 200) {
          await Promise.all(inFlight);
          inFlight = [];
        }
      }
      await Promise.all(inFlight);
      report.published = { events: published, seconds: (Date.now() - started) / 1000 };
    })();

    // Each service dies once its first consumer is a quarter through, whatever the others are doing.
    const restarts = SUBJECTS.map(async (s) => {
      const [first] = s.consumers;
      const target = s.service === 'sales' ? USERS : CONTACTS;
      while ((await count(inboxOf(s.service, first.durable))) < target * KILL_AT) await new Promise((r) => setTimeout(r, 50));
      const proc = running.get(s.service)!;
      const state = await consumerState(first);
      const floodGoesOn = report.published === undefined;
      const exit = await proc.kill('SIGKILL');
      const publishedAtKill = published;
      const atKill = await count(inboxOf(s.service, first.durable));
      const killedAt = Date.now();
      await proc.start();
      report[s.service] = {
        killed: exit?.signal,
        appliedAtKill: atKill,
        publishedAtKill,
        pendingAtKill: state.pending,
        inFlightAtKill: state.inFlight,
        restartSeconds: (Date.now() - killedAt) / 1000,
      };
      expect(exit?.signal).toBe('SIGKILL');
      // Killed mid-flood: some applied, not all, and messages delivered but not yet acknowledged or still to come
      // (a consumer that has caught up with the publisher has none waiting, but the flood is not over).
      expect(atKill).toBeLessThan(target);
      expect({ waiting: state.pending + state.inFlight > 0 || floodGoesOn }).toEqual({ waiting: true });
    });
    // Progress every 5 s, for the report: how far each service's consumers are.
    const timeline: Record<string, number>[] = [];
    const progress = setInterval(() => {
      void Promise.all(
        SUBJECTS.flatMap((s) => s.consumers.map(async (c) => [c.durable, await count(inboxOf(s.service, c.durable))] as const)),
      ).then(
        (counts) => timeline.push({ s: Math.round((Date.now() - started) / 1000), ...Object.fromEntries(counts) }),
        () => undefined,
      );
    }, 5000);
    report.timeline = timeline;
    afterDone.push(() => clearInterval(progress));
    await Promise.all([publishing, ...restarts]);

    // Everything delivered and acknowledged; analytics' own events published and taken downstream too.
    const deadline = Date.now() + 360_000;
    for (;;) {
      const states = await Promise.all(SUBJECTS.flatMap((s) => s.consumers.map(consumerState)));
      const unpublished = await count(rowsOf('analytics', 'outbox', 'AND published_at IS NULL'));
      if (states.every((st) => st.pending === 0 && st.inFlight === 0) && unpublished === 0) break;
      if (Date.now() > deadline) throw new Error(`consumers not caught up: ${JSON.stringify(states)}, ${unpublished} unpublished`);
      await new Promise((r) => setTimeout(r, 500));
    }
    report.caughtUpSeconds = (Date.now() - started) / 1000;

    const { found, wanted } = await settle(false);
    expect(found).toEqual(wanted);
    report.verifiedSeconds = (Date.now() - started) / 1000;
  });

  it('has parked exactly the poisoned event in each service; replay applies it once, a second replay finds nothing', async () => {
    for (const s of SUBJECTS) {
      const parked = await listParked(nc, naming, { service: s.service });
      expect(parked.map((p) => ({ consumer: p.consumer, subject: p.envelope?.subjectId }))).toEqual(
        s.consumers.filter((c) => c.poisoned).map((c) => ({ consumer: c.durable, subject: s.poisonedId })),
      );
      // Its budget was three attempts; a kill while it was being retried adds a delivery that never concluded.
      expect(parked[0].attempts).toBeGreaterThanOrEqual(3);
      expect(parked[0].error).toMatch(/is poisoned/);
    }

    for (const s of SUBJECTS) await poison(s, false);
    for (const s of SUBJECTS) {
      expect((await replayAllParked(nc, naming, { service: s.service })).map((r) => r.outcome)).toEqual(['applied']);
      expect(await replayAllParked(nc, naming, { service: s.service })).toEqual([]);
    }
    const { found, wanted } = await settle(true);
    expect(found).toEqual(wanted);
  });
});

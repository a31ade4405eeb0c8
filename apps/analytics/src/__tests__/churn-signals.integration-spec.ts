import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import { churnRiskWithSignals } from '@rapport/clv';
import {
  CASE_OPENED,
  CASE_RESOLVED,
  CASE_STATUS_CHANGED,
  CUSTOMER_CHURN_RISK_CHANGED,
  STREAMS,
  SYSTEM_ACTOR,
  type CaseCategoryV1,
  type CaseSnapshotV1,
  type CaseStatusV1,
  type CustomerChurnRiskChangedDataV1,
  type EventEnvelope,
} from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { StartedService } from '@rapport/service-kit';
import { startService, StreamProbe, eventuallyWithin } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { analyticsDefinition } from '../analytics.definition';
import { AnalyticsAppModule } from '../app.module';
import { ClvEngine } from '../clv/clv-engine';
import { ClvService } from '../clv/clv.service';
import type { OrderInput } from '../orders/order-input';
import { OrdersService } from '../orders/orders.service';

const DAY = 86_400_000;
/** ANALYTICS.md's CDNOW fit (weeks): a plausible retail model without fitting one here. */
const BG_NBD = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
const GAMMA_GAMMA = { p: 6.2488, q: 3.7446, gamma: 15.4477 };

/** Churn risk = 1 − P(alive) joined with open complaints (service cases) and falling activity. */
describe('analytics: churn risk with behavioural signals', () => {
  let analytics: StartedService;
  let nc: NatsConnection;
  let probe: StreamProbe;
  let ds: DataSource;
  const tenantId = randomUUID();
  // Streams of its own: the run's shared ANALYTICS stream holds thousands of other specs' events, too many to scan.
  const isolation = {
    NATS_SUBJECT_PREFIX: `${process.env.NATS_SUBJECT_PREFIX}ch`,
    NATS_STREAM_SUFFIX: `ch_${process.env.NATS_STREAM_SUFFIX}`,
  };
  const prefix = isolation.NATS_SUBJECT_PREFIX;
  const analyticsStream = `${STREAMS.ANALYTICS.name}_${isolation.NATS_STREAM_SUFFIX}`;
  const admin: Principal = { kind: 'user', tenantId, id: randomUUID(), roles: ['admin'], scopes: [], contactId: null };
  const [steady, slowing, complainer, newcomer] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const now = Date.now();

  const rows = (sql: string, params: unknown[] = []) => ds.query(sql, [tenantId, ...params]);
  const value = async (contactId: string) =>
    (
      await rows(
        `SELECT p_alive, churn_risk, churn_band, open_complaints, activity_trend FROM customer_values WHERE tenant_id = $1 AND contact_id = $2`,
        [contactId],
      )
    )[0] as { p_alive: number; churn_risk: number; churn_band: string; open_complaints: number; activity_trend: number | null };

  const eventually = eventuallyWithin({ timeoutMs: 15_000 });

  const order = (contactId: string, daysAgo: number, n: number): OrderInput => ({
    source: 'shop',
    externalOrderId: `${contactId}-${n}`,
    contactId,
    occurredAt: new Date(now - daysAgo * DAY - 3600_000),
    amount: '25',
    currency: 'EUR',
  });
  /** Purchases every `every` days between `from` and `to` days ago. */
  const purchases = (contactId: string, from: number, to: number, every: number) =>
    Array.from({ length: Math.floor((from - to) / every) + 1 }, (_, i) => order(contactId, from - i * every, i));

  const caseSnapshot = (id: string, contactId: string, category: CaseCategoryV1, status: CaseStatusV1): CaseSnapshotV1 => ({
    id,
    contactId,
    accountId: null,
    subject: 'Late delivery',
    channel: 'EMAIL',
    category,
    priority: 'NORMAL',
    status,
    ownerId: null,
    queueId: null,
    tier: null,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  });
  async function publish(type: string, subjectId: string, data: unknown, occurredAt = new Date()) {
    const event = newEvent({ type, tenantId, actor: SYSTEM_ACTOR, subjectId, data, occurredAt });
    await nc.jetstream().publish(`${prefix}.${type}`, Buffer.from(JSON.stringify(event)), { msgID: event.id });
    return event;
  }
  /** The contact's band events once at least `atLeast` have been relayed (the outbox publishes after the scoring commits). */
  const bandEvents = async (contactId: string, atLeast = 1) => {
    const mine = (events: EventEnvelope[]) => events.filter((e) => e.tenantId === tenantId && e.subjectId === contactId);
    const events = await probe.waitFor(analyticsStream, `${prefix}.${CUSTOMER_CHURN_RISK_CHANGED}`, (all) => mine(all).length >= atLeast);
    return mine(events).map((e) => e.data as CustomerChurnRiskChangedDataV1);
  };

  beforeAll(async () => {
    analytics = await startService(AnalyticsAppModule, analyticsDefinition, { ...isolation, ANALYTICS_RESCORE_DEBOUNCE_MS: '200' });
    nc = await connect({ servers: process.env.NATS_URL });
    probe = await StreamProbe.connect();
    ds = analytics.app.get(DataSource);
    await rows(`INSERT INTO contacts (tenant_id, id) SELECT $1, unnest($2::uuid[])`, [[steady, slowing, complainer, newcomer]]);
    await analytics.app.get(OrdersService).record(admin, {
      orders: [
        // Every 10 days for two years, up to yesterday.
        ...purchases(steady, 720, 1, 10),
        ...purchases(complainer, 720, 1, 10),
        // Every 10 days for a year and a half, then once in the last 90 days.
        ...purchases(slowing, 720, 190, 10),
        order(slowing, 30, 999),
        order(newcomer, 20, 0),
      ],
    });
    // A fitted model, as a fit job would have stored it.
    const modelId = randomUUID();
    await rows(
      `INSERT INTO clv_models (id, tenant_id, request_key, status, time_unit, calibration_end, currency, purchase_model, gamma_gamma, finished_at)
       VALUES ($2, $1, 'test', 'FITTED', 'WEEKS', now(), 'EUR', $3, $4, now())`,
      [
        modelId,
        JSON.stringify({ params: BG_NBD, logLikelihood: 0, standardErrors: null, iterations: 1, converged: true }),
        JSON.stringify({ params: GAMMA_GAMMA, logLikelihood: 0, standardErrors: null, iterations: 1, converged: true }),
      ],
    );
    // …and activated.
    await rows(`INSERT INTO clv_settings (tenant_id, active_model_id) VALUES ($1, $2)`, [modelId]);
    await analytics.app.get(ClvEngine).score(tenantId, null);
  });

  afterAll(async () => {
    await probe?.close();
    await nc?.close();
    await analytics?.close();
  });

  it('stores each customer’s signals and combines them with P(alive) exactly as libs/clv churnRiskWithSignals', async () => {
    const s = await value(steady);
    expect(s.open_complaints).toBe(0);
    // About the same pace as before (8 purchase days where the earlier rate predicts 9.1).
    expect(s.activity_trend).toBeGreaterThan(0.8);
    expect(s.activity_trend).toBeLessThan(1.2);
    const slow = await value(slowing);
    // 1 purchase day in the last 90 against ~63 over the 630 days before: a tenth of its pace.
    expect(slow.activity_trend).toBeGreaterThan(0.05);
    expect(slow.activity_trend).toBeLessThan(0.2);
    expect((await value(newcomer)).activity_trend).toBeNull(); // no earlier rate
    for (const id of [steady, slowing, complainer, newcomer]) {
      const v = await value(id);
      expect(v.churn_risk).toBeCloseTo(
        churnRiskWithSignals(v.p_alive, { openComplaints: v.open_complaints, activityTrend: v.activity_trend }),
        9,
      );
    }
    // Falling activity raises the risk above 1 − P(alive); a steady pace does not.
    expect(slow.churn_risk).toBeGreaterThan(1 - slow.p_alive + 0.1);
    expect(s.churn_risk - (1 - s.p_alive)).toBeLessThan(0.1);
    expect(s.churn_band).toBe('LOW');

    const view = (await analytics.app.get(ClvService).getMany(admin, [slowing])).get(slowing)!;
    expect(view.churnSignals).toEqual({ openComplaints: 0, activityTrend: slow.activity_trend });
  });

  it('counts open complaints from service cases: the band moves (and is announced once) as complaints open and close', async () => {
    const start = await value(complainer);
    expect(start).toMatchObject({ churn_band: 'LOW', open_complaints: 0 });
    expect(await bandEvents(complainer)).toMatchObject([{ previousBand: null, band: 'LOW', openComplaints: 0 }]);

    const [c1, c2, c3, question] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const opened1 = await publish(CASE_OPENED, c1, { case: caseSnapshot(c1, complainer, 'COMPLAINT', 'NEW') });
    await publish(CASE_OPENED, c2, { case: caseSnapshot(c2, complainer, 'COMPLAINT', 'NEW') });
    await publish(CASE_OPENED, c3, { case: caseSnapshot(c3, complainer, 'COMPLAINT', 'OPEN') });
    await publish(CASE_OPENED, question, { case: caseSnapshot(question, complainer, 'QUESTION', 'NEW') });
    const three = await eventually(
      () => value(complainer),
      (v) => v.open_complaints === 3,
    );
    // 1 − P(alive) · 0.8³ (and the slight slowdown): from LOW to MEDIUM.
    expect(three.churn_risk).toBeCloseTo(
      churnRiskWithSignals(three.p_alive, { openComplaints: 3, activityTrend: three.activity_trend }),
      9,
    );
    expect(three.churn_band).toBe('MEDIUM');

    // One resolved, one closed (status_changed only), and the first opened event redelivered late: one stays open.
    await publish(CASE_RESOLVED, c1, { case: caseSnapshot(c1, complainer, 'COMPLAINT', 'RESOLVED'), resolvedAt: new Date().toISOString() });
    await publish(CASE_STATUS_CHANGED, c2, { caseId: c2, from: 'OPEN', to: 'CLOSED' });
    await nc.jetstream().publish(`${prefix}.${CASE_OPENED}`, Buffer.from(JSON.stringify({ ...opened1, id: randomUUID() })));
    const one = await eventually(
      () => value(complainer),
      (v) => v.open_complaints === 1,
    );
    expect(one.churn_band).toBe('LOW');
    expect(await rows(`SELECT status FROM contact_cases WHERE tenant_id = $1 AND case_id = $2`, [c1])).toEqual([{ status: 'RESOLVED' }]);

    await new Promise((r) => setTimeout(r, 1000)); // rescorings that changed no band would have announced by now
    const events = await bandEvents(complainer, 3);
    // One event per band change; MEDIUM is reached at two or three complaints, depending on how the cases were batched.
    expect(events.map((e) => [e.previousBand, e.band])).toEqual([
      [null, 'LOW'],
      ['LOW', 'MEDIUM'],
      ['MEDIUM', 'LOW'],
    ]);
    expect(events[1].openComplaints).toBeGreaterThanOrEqual(2);
    expect(events[2]).toMatchObject({ openComplaints: 1, pAlive: one.p_alive });
  });
});

import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import type { EventEnvelope } from '@rapport/contracts';
import type { StartedService } from '@rapport/service-kit';
import { startService, StreamProbe, eventuallyWithin } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { ServiceAppModule } from '../app.module';
import { CasesService } from '../cases/cases.service';
import { KnowledgeSearch } from '../knowledge/knowledge-search.service';
import { KnowledgeSettings } from '../knowledge/knowledge-settings.service';
import { KnowledgeService } from '../knowledge/knowledge.service';
import { MetricsService } from '../metrics/metrics.service';
import { NotificationsService } from '../notifications/notifications.service';
import { RoutingService } from '../routing/routing.service';
import { SatisfactionService } from '../satisfaction/satisfaction.service';
import { serviceDefinition } from '../service.definition';
import { SlaPoliciesService } from '../sla/sla-policies.service';
import { SalesFeed } from './sales-feed';

/** SLA timers wait 5 % of real time: a 1-minute target breaches after 3 s. */
const ENV = { SERVICE_SLA_DELAY_PERCENT: '5' };
const prefix = process.env.NATS_SUBJECT_PREFIX;
const serviceStream = `SERVICE_${process.env.NATS_STREAM_SUFFIX}`;

describe('service: knowledge, satisfaction, escalation notices, metrics', () => {
  let service: StartedService;
  let probe: StreamProbe;
  let nc: NatsConnection;
  let feed: SalesFeed;

  const as = (
    tenantId: string,
    roles: Principal['roles'],
    kind: Principal['kind'] = 'user',
    contactId: string | null = null,
    id: string = randomUUID(),
  ): Principal => ({ kind, tenantId, id, roles, scopes: [], contactId });
  const knowledge = () => service.app.get(KnowledgeService);
  const searching = () => service.app.get(KnowledgeSearch);
  const settings = () => service.app.get(KnowledgeSettings);
  const cases = () => service.app.get(CasesService);
  const satisfaction = () => service.app.get(SatisfactionService);
  const notifications = () => service.app.get(NotificationsService);
  const metrics = () => service.app.get(MetricsService);
  /** Owner connection (bypasses RLS): assertions and hand-made fixtures, always scoped to a fresh tenant. */
  const query = (sql: string, params: unknown[]) => service.app.get(DataSource).query(sql, params);

  beforeAll(async () => {
    service = await startService(ServiceAppModule, serviceDefinition, ENV);
    probe = await StreamProbe.connect();
    nc = await connect({ servers: process.env.NATS_URL });
    feed = new SalesFeed(nc, query);
  });

  afterAll(async () => {
    await probe?.close();
    await nc?.close();
    await service?.close();
  });

  const eventually = eventuallyWithin({ timeoutMs: 15_000 });

  const caseEvents = async (caseId: string, type: string): Promise<EventEnvelope[]> =>
    (await probe.events(serviceStream, `${prefix}.${type}`)).filter((e) => e.subjectId === caseId);

  /** A published article (version 1). */
  async function published(manager: Principal, title: string, body: string, locale?: string) {
    const draft = await knowledge().create(manager, { title, body, tags: ['Help'], locale });
    return knowledge().publish(manager, draft.articleId);
  }

  it('ranks a title hit above a body hit and searches live versions only', async () => {
    const tenantId = randomUUID();
    const manager = as(tenantId, ['support_manager']);
    const agent = as(tenantId, ['support_agent']);
    const customer = as(tenantId, ['customer'], 'customer', randomUUID());
    const inBody = await published(manager, 'Account settings', 'To reset a forgotten password open the settings page.');
    const inTitle = await published(manager, 'Reset your password', 'Open the login page and follow the link.');
    await published(manager, 'Shipping times', 'Parcels arrive in two days.');
    // An agent's draft mentioning the same words is found by nobody until published.
    const draft = await knowledge().create(agent, { title: 'Password policy (draft)', body: 'password password password' });
    expect(draft).toMatchObject({ status: 'DRAFT', version: 1, locale: 'en', tags: [] });

    for (const who of [customer, agent]) {
      const page = await searching().search(who, { query: 'password' });
      expect(page.edges.map((e) => e.node.id)).toEqual([inTitle.articleId, inBody.articleId]);
      expect(page.edges[0].rank).toBeGreaterThan(page.edges[1].rank);
    }
    // Web-search syntax and paging.
    const notBody = await searching().search(customer, { query: 'password -settings' });
    expect(notBody.edges.map((e) => e.node.id)).toEqual([inTitle.articleId]);
    const first = await searching().search(customer, { query: 'password or parcels', first: 2 });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await searching().search(customer, { query: 'password or parcels', first: 2, after: first.pageInfo.endCursor });
    expect(rest.edges).toHaveLength(1);
    expect(rest.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    // Another tenant finds nothing.
    expect((await searching().search(as(randomUUID(), ['customer'], 'customer', randomUUID()), { query: 'password' })).edges).toEqual([]);
    // A draft is not publishable by an agent.
    await expect(knowledge().publish(agent, draft.articleId)).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await expect(knowledge().create(customer, { title: 'x', body: 'y' })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  });

  it('keeps versions: an edit of a live article is a new draft; publishing retires the old live one; customers never see drafts', async () => {
    const tenantId = randomUUID();
    const manager = as(tenantId, ['support_manager']);
    const agent = as(tenantId, ['support_agent']);
    const customer = as(tenantId, ['customer'], 'customer', randomUUID());
    const v1 = await published(manager, 'Refund policy', 'Refunds within 14 days.');
    const articleId = v1.articleId;
    expect(v1).toMatchObject({ status: 'PUBLISHED', version: 1 });

    const v2 = await knowledge().update(agent, articleId, { body: 'Refunds within 30 days, no questions asked.' });
    expect(v2).toMatchObject({ status: 'DRAFT', version: 2, title: 'Refund policy', tags: ['help'] });
    // Editing again changes the same draft.
    const v2b = await knowledge().update(agent, articleId, { title: 'Refunds', tags: ['billing', 'Billing'] });
    expect(v2b).toMatchObject({ id: v2.id, version: 2, title: 'Refunds', body: v2.body, tags: ['billing'] });

    // The live version is unchanged and the customer sees only it, by id, by listing versions, by searching the draft's words.
    const staffView = (await knowledge().versions(agent, [articleId])).get(articleId)!;
    expect(staffView.map((v) => [v.version, v.status])).toEqual([
      [2, 'DRAFT'],
      [1, 'PUBLISHED'],
    ]);
    const customerView = (await knowledge().versions(customer, [articleId])).get(articleId)!;
    expect(customerView.map((v) => [v.version, v.status, v.body])).toEqual([[1, 'PUBLISHED', 'Refunds within 14 days.']]);
    expect((await searching().search(customer, { query: '"no questions asked"' })).edges).toEqual([]);
    expect((await searching().search(customer, { query: 'refunds' })).edges.map((e) => e.node.id)).toEqual([articleId]);

    // A never-published article does not exist for a customer, whatever id they send.
    const secret = await knowledge().create(agent, { title: 'Internal: refund fraud signals', body: 'refunds fraud' });
    expect(await knowledge().get(customer, secret.articleId)).toBeNull();
    expect((await knowledge().getMany(customer, [secret.articleId, articleId])).has(secret.articleId)).toBe(false);
    expect((await knowledge().versions(customer, [secret.articleId])).get(secret.articleId)).toEqual([]);
    expect(await knowledge().get(agent, secret.articleId)).not.toBeNull();

    const live2 = await knowledge().publish(manager, articleId);
    expect(live2).toMatchObject({ id: v2.id, status: 'PUBLISHED', version: 2 });
    expect(live2.publishedAt).not.toBeNull();
    const history = (await knowledge().versions(agent, [articleId])).get(articleId)!;
    expect(history.map((v) => [v.version, v.status, v.title])).toEqual([
      [2, 'PUBLISHED', 'Refunds'],
      [1, 'RETIRED', 'Refund policy'],
    ]);
    expect((await knowledge().versions(customer, [articleId])).get(articleId)!.map((v) => v.version)).toEqual([2]);
    expect((await searching().search(customer, { query: '"no questions asked"' })).edges.map((e) => e.node.id)).toEqual([articleId]);
    await expect(knowledge().publish(manager, articleId)).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
  });

  it('suggests live articles from a case subject and description; the tenant language serves locales without their own', async () => {
    const tenantId = randomUUID();
    const manager = as(tenantId, ['support_manager']);
    const contactId = randomUUID();
    const customer = as(tenantId, ['customer'], 'customer', contactId);
    const printer = await published(manager, 'Printer shows error E42', 'Remove the toner cartridge and restart.');
    const toner = await published(manager, 'Ordering toner', 'Buy original toner in the shop.');
    await published(manager, 'Opening hours', 'We are open on weekdays.');
    await knowledge().create(manager, { title: 'Printer E42 (draft)', body: 'printer error toner' });

    const c = await cases().open(customer, {
      subject: 'My printer says E42',
      description: 'Hello, the printer shows an error after new toner',
    });
    const suggested = await searching().suggested(customer, c.id, 5);
    expect(suggested.map((s) => s.node.id)).toEqual([printer.articleId, toner.articleId]);
    // Another customer cannot probe someone else's case.
    await expect(searching().suggested(as(tenantId, ['customer'], 'customer', randomUUID()), c.id)).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND' },
    });

    // 'english' stems: "printers" finds "printer".
    expect(await settings().language(manager)).toBe('english');
    expect((await searching().search(customer, { query: 'printers' })).edges).toHaveLength(1);
    await expect(settings().setLanguage(manager, 'klingon')).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    // The tenant's language is for locales PostgreSQL has no configuration for (zh here): with 'simple', no stemming.
    await settings().setLanguage(manager, 'simple');
    const plain = await published(manager, 'Printers we support', 'Laser printers only.', 'zh');
    const staffSearch = async (query: string, locale: string) =>
      (await searching().search(manager, { query, locale })).edges.map((e) => e.node.id);
    expect(await staffSearch('printers', 'zh')).toEqual([plain.articleId]);
    expect(await staffSearch('printer', 'zh')).toEqual([]);
    // An English article still stems as English, whatever the tenant's language.
    const english = await published(manager, 'Printers for offices', 'Colour printers.', 'en');
    expect(await staffSearch('office printer', 'en')).toEqual([english.articleId]);
  });

  it('asks for satisfaction on every resolution and takes one answer per resolution', async () => {
    const tenantId = randomUUID();
    const agent = as(tenantId, ['support_agent']);
    const contactId = randomUUID();
    const customer = as(tenantId, ['customer'], 'customer', contactId);
    const stranger = as(tenantId, ['customer'], 'customer', randomUUID());
    const c = await cases().open(customer, { subject: 'Invoice wrong' });
    await expect(satisfaction().rate(customer, { caseId: c.id, rating: 5 })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });

    await cases().comment(agent, { caseId: c.id, body: 'Fixed, sorry!' });
    await cases().changeStatus(agent, { caseId: c.id, status: 'RESOLVED' });
    await expect(satisfaction().rate(agent, { caseId: c.id, rating: 5 })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await expect(satisfaction().rate(stranger, { caseId: c.id, rating: 5 })).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    await expect(satisfaction().rate(customer, { caseId: c.id, rating: 6 })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const first = await satisfaction().rate(customer, { caseId: c.id, rating: 2, comment: 'Took long' });
    expect(first).toMatchObject({ caseId: c.id, rating: 2, comment: 'Took long' });
    await expect(satisfaction().rate(customer, { caseId: c.id, rating: 5 })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });

    // Reopened: nothing to rate until it is resolved again, then a new request.
    await cases().changeStatus(agent, { caseId: c.id, status: 'OPEN' });
    await expect(satisfaction().rate(customer, { caseId: c.id, rating: 5 })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    await cases().changeStatus(agent, { caseId: c.id, status: 'RESOLVED' });
    const second = await satisfaction().rate(customer, { caseId: c.id, rating: 5 });
    expect(second.id).not.toBe(first.id);
    expect((await satisfaction().latest(agent, [c.id])).get(c.id)).toMatchObject({ id: second.id, rating: 5 });

    const requests = await query(`SELECT rating FROM satisfaction_requests WHERE case_id = $1 ORDER BY requested_at`, [c.id]);
    expect(requests).toEqual([{ rating: 2 }, { rating: 5 }]);
    const rated = await eventually(
      () => caseEvents(c.id, 'service.case.rated'),
      (events) => events.length === 2,
    );
    expect(rated.map((e) => (e.data as { rating: number }).rating)).toEqual([2, 5]);
    expect(rated[0].data).toMatchObject({ caseId: c.id, contactId, requestId: first.id, comment: 'Took long' });
    // The clocks' business minutes are kept for the metrics (no policy: around the clock).
    const [kept] = await query(
      `SELECT first_response_business_minutes AS fr, resolution_business_minutes AS res FROM cases WHERE id = $1`,
      [c.id],
    );
    expect(kept).toEqual({ fr: 0, res: 0 });
  });

  it("notifies the escalation queue's manager in the escalation's transaction", async () => {
    const tenantId = randomUUID();
    const admin = as(tenantId, ['admin']);
    const managerId = randomUUID();
    const manager = as(tenantId, ['support_manager'], 'user', null, managerId);
    const routing = service.app.get(RoutingService);
    const escalations = await routing.createQueue(admin, { name: 'Escalations' });
    // Only an active staff user identity told the service about may manage a queue.
    const refused = notifications().setQueueManager(admin, { queueId: escalations.id, managerId });
    await expect(refused).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'managerId' } });
    await query(
      `INSERT INTO identity_users (id, tenant_id, email, display_name, roles, active, last_event_id) VALUES ($1, $2, $3, 'Manager', $4, true, $5)`,
      [managerId, tenantId, `${managerId}@managers.test`, ['support_manager'], randomUUID()],
    );
    const withManager = await notifications().setQueueManager(admin, { queueId: escalations.id, managerId });
    expect(withManager.managerId).toBe(managerId);
    await service.app.get(SlaPoliciesService).setPolicy(admin, {
      priority: 'NORMAL',
      firstResponseMinutes: 1,
      resolutionMinutes: 600,
      warningShare: 0.5,
      escalationQueueId: escalations.id,
    });
    const c = await cases().open(admin, { contactId: await feed.contact(tenantId), subject: 'Nobody answers' });

    const [escalation] = await eventually(
      (): Promise<{ escalated_at: Date }[]> => query(`SELECT escalated_at FROM case_escalations WHERE case_id = $1`, [c.id]),
      (rows) => rows.length === 1,
    );
    const mine = await notifications().mine(manager, {});
    expect(mine).toEqual([
      {
        id: expect.any(String),
        recipientId: managerId,
        kind: 'CASE_ESCALATED',
        caseId: c.id,
        webhookEndpointId: null,
        activityId: null,
        dueAt: null,
        createdAt: escalation.escalated_at,
        readAt: null,
      },
    ]);
    expect(await notifications().mine(admin, {})).toEqual([]);
    await expect(notifications().markRead(admin, mine[0].id)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    const read = await notifications().markRead(manager, mine[0].id);
    expect(read.readAt).not.toBeNull();
    expect(await notifications().mine(manager, { unreadOnly: true })).toEqual([]);
    expect((await notifications().markRead(manager, mine[0].id)).readAt).toEqual(read.readAt);
  });

  it('computes metrics by queue and agent against a hand-computed example', async () => {
    const tenantId = randomUUID();
    const admin = as(tenantId, ['admin']);
    const [a1, a2] = [randomUUID(), randomUUID()].sort();
    const queue = await service.app.get(RoutingService).createQueue(admin, { name: 'Billing' });
    const t = (iso: string) => new Date(`2026-${iso}Z`);
    /** Cases with controlled times, inserted directly (as if their clocks had run). */
    const insertCase = async (c: {
      queueId: string | null;
      ownerId: string;
      status: string;
      createdAt: Date;
      frDue?: Date;
      responded?: Date;
      frBreached?: Date;
      frMinutes?: number;
      resDue?: Date;
      resolved?: Date;
      resBreached?: Date;
      resMinutes?: number;
    }) => {
      const id = randomUUID();
      await query(
        `INSERT INTO cases (id, tenant_id, contact_id, subject, channel, category, priority, status, owner_id, queue_id, created_by_kind,
           first_response_due_at, first_responded_at, first_response_breached_at, first_response_business_minutes,
           resolution_due_at, resolved_at, resolution_breached_at, resolution_business_minutes, created_at, updated_at)
         VALUES ($1, $2, $3, 'fixture', 'WEB', 'QUESTION', 'NORMAL', $4, $5, $6, 'user', $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)`,
        [
          id,
          tenantId,
          randomUUID(),
          c.status,
          c.ownerId,
          c.queueId,
          c.frDue ?? null,
          c.responded ?? null,
          c.frBreached ?? null,
          c.frMinutes ?? null,
          c.resDue ?? null,
          c.resolved ?? null,
          c.resBreached ?? null,
          c.resMinutes ?? null,
          c.createdAt,
        ],
      );
      return id;
    };
    const request = (caseId: string, requestedAt: Date, rating: number | null) =>
      query(
        `INSERT INTO satisfaction_requests (id, tenant_id, case_id, contact_id, requested_at, rating, answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [randomUUID(), tenantId, caseId, randomUUID(), requestedAt, rating, rating == null ? null : requestedAt],
      );
    const q = queue.id;
    // c1: both targets met; c2: both breached; c3: answered in time, resolution breached and still open;
    // c4: new, nothing due in the period; c5: all in September; c6: no SLA, resolved in 30 minutes.
    const c1 = await insertCase({
      queueId: q,
      ownerId: a1,
      status: 'RESOLVED',
      createdAt: t('10-02T08:30:00'),
      frDue: t('10-02T10:00:00'),
      responded: t('10-02T09:00:00'),
      frMinutes: 30,
      resDue: t('10-03T08:30:00'),
      resolved: t('10-02T10:30:00'),
      resMinutes: 120,
    });
    const c2 = await insertCase({
      queueId: q,
      ownerId: a1,
      status: 'CLOSED',
      createdAt: t('10-05T08:00:00'),
      frDue: t('10-05T10:00:00'),
      responded: t('10-05T11:00:00'),
      frBreached: t('10-05T10:00:00'),
      frMinutes: 90,
      resDue: t('10-06T08:00:00'),
      resolved: t('10-07T08:00:00'),
      resBreached: t('10-06T08:00:00'),
      resMinutes: 600,
    });
    await insertCase({
      queueId: q,
      ownerId: a2,
      status: 'OPEN',
      createdAt: t('10-09T08:00:00'),
      frDue: t('10-10T08:00:00'),
      responded: t('10-09T09:00:00'),
      frMinutes: 60,
      resDue: t('10-20T08:00:00'),
      resBreached: t('10-20T08:00:00'),
    });
    await insertCase({
      queueId: null,
      ownerId: a2,
      status: 'NEW',
      createdAt: t('11-20T08:00:00'),
      frDue: t('12-01T08:00:00'),
      resDue: t('12-10T08:00:00'),
    });
    const c5 = await insertCase({
      queueId: q,
      ownerId: a1,
      status: 'RESOLVED',
      createdAt: t('09-01T08:00:00'),
      frDue: t('09-01T09:00:00'),
      responded: t('09-01T08:10:00'),
      frMinutes: 10,
      resDue: t('09-03T08:00:00'),
      resolved: t('09-02T08:00:00'),
      resMinutes: 500,
    });
    const c6 = await insertCase({
      queueId: q,
      ownerId: a2,
      status: 'RESOLVED',
      createdAt: t('10-15T08:00:00'),
      resolved: t('10-15T08:30:00'),
      resMinutes: 30,
    });
    await request(c1, t('10-02T10:30:00'), 4);
    await request(c2, t('10-07T08:00:00'), null);
    await request(c5, t('09-02T08:00:00'), 1);
    await request(c6, t('10-15T08:30:00'), 2);

    const period = { from: t('10-01T00:00:00'), to: t('11-01T00:00:00') };
    const m = await metrics().metrics(as(tenantId, ['support_manager']), { period });
    const backlog = (n: [number, number, number]) => [
      { status: 'NEW', count: n[0] },
      { status: 'OPEN', count: n[1] },
      { status: 'PENDING_CUSTOMER', count: n[2] },
    ];
    // First response: 30, 60, 90 → median 60, p90 60 + 0.8 × 30 = 84; met c1, c3, breached c2.
    // Resolution: 30, 120, 600 → median 120, p90 120 + 0.8 × 480 = 504; due in October: c1 met, c2 and c3 breached.
    // Satisfaction: c1 (4), c2 (unanswered), c6 (2) → average 3, 2 of 3 answered.
    expect(m.overall).toEqual({
      queueId: null,
      ownerId: null,
      backlog: backlog([1, 1, 0]),
      firstResponse: { count: 3, medianMinutes: 60, p90Minutes: 84 },
      resolution: { count: 3, medianMinutes: 120, p90Minutes: 504 },
      firstResponseSla: { met: 2, breached: 1, percent: 66.67 },
      resolutionSla: { met: 1, breached: 2, percent: 33.33 },
      satisfaction: { requests: 3, responses: 2, average: 3, responseRate: 66.67 },
    });
    // The queue holds everything but c4, which shows (backlog only) as the no-queue group.
    expect(m.byQueue.map((g) => [g.queueId, g.backlog])).toEqual([
      [null, backlog([1, 0, 0])],
      [q, backlog([0, 1, 0])],
    ]);
    const billing = m.byQueue.find((g) => g.queueId === q)!;
    expect({ ...billing, queueId: null, backlog: backlog([1, 1, 0]) }).toEqual(m.overall);

    const [byA1, byA2] = m.byAgent;
    expect(m.byAgent.map((g) => g.ownerId)).toEqual([a1, a2]);
    // a1: c1, c2 → FR 30, 90 (median 60, p90 84); resolution 120, 600 (median 360, p90 552).
    expect(byA1).toEqual({
      queueId: null,
      ownerId: a1,
      backlog: backlog([0, 0, 0]),
      firstResponse: { count: 2, medianMinutes: 60, p90Minutes: 84 },
      resolution: { count: 2, medianMinutes: 360, p90Minutes: 552 },
      firstResponseSla: { met: 1, breached: 1, percent: 50 },
      resolutionSla: { met: 1, breached: 1, percent: 50 },
      satisfaction: { requests: 2, responses: 1, average: 4, responseRate: 50 },
    });
    expect(byA2).toMatchObject({
      backlog: backlog([1, 1, 0]),
      firstResponse: { count: 1, medianMinutes: 60, p90Minutes: 60 },
      resolution: { count: 1, medianMinutes: 30, p90Minutes: 30 },
      firstResponseSla: { met: 1, breached: 0, percent: 100 },
      resolutionSla: { met: 0, breached: 1, percent: 0 },
      satisfaction: { requests: 1, responses: 1, average: 2, responseRate: 100 },
    });

    // An agent gets their own numbers only; customers nothing.
    const own = await metrics().metrics(as(tenantId, ['support_agent'], 'user', null, a1), { period });
    expect(own.overall).toEqual({ ...byA1, ownerId: null });
    expect(own.byAgent.map((g) => g.ownerId)).toEqual([a1]);
    await expect(metrics().metrics(as(tenantId, ['customer'], 'customer', randomUUID()), { period })).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
    await expect(metrics().metrics(admin, { period: { from: period.to, to: period.from } })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
    });
    // Filtered by queue: c4 (no queue) drops out.
    expect((await metrics().metrics(admin, { period, queueId: q })).overall.backlog).toEqual(backlog([0, 1, 0]));
  });
});

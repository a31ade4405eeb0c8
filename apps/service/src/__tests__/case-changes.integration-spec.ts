import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import type { EventEnvelope } from '@rapport/contracts';
import type { StartedService } from '@rapport/service-kit';
import { eventuallyWithin, startService, StreamProbe } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { ServiceAppModule } from '../app.module';
import { CaseEditsService } from '../cases/case-edits.service';
import { CasesService } from '../cases/cases.service';
import { serviceDefinition } from '../service.definition';
import { SlaPoliciesService } from '../sla/sla-policies.service';
import { SalesFeed } from './sales-feed';

/** SLA timers wait 5 % of real time: a 1-minute target breaches after 3 s. */
const ENV = { SERVICE_SLA_DELAY_PERCENT: '5' };
const prefix = process.env.NATS_SUBJECT_PREFIX;
const serviceStream = `SERVICE_${process.env.NATS_STREAM_SUFFIX}`;

describe('service: editing cases (priority re-plans the SLA) and customers reopening them', () => {
  let service: StartedService;
  let nc: NatsConnection;
  let feed: SalesFeed;
  let probe: StreamProbe;

  const as = (tenantId: string, kind: Principal['kind'] = 'user', contactId: string | null = null): Principal => ({
    kind,
    tenantId,
    id: randomUUID(),
    roles: kind === 'user' ? ['admin'] : ['customer'],
    scopes: [],
    contactId,
  });
  const cases = () => service.app.get(CasesService);
  const edits = () => service.app.get(CaseEditsService);
  const query = (sql: string, params: unknown[]) => service.app.get(DataSource).query(sql, params);
  const caseEvents = async (caseId: string, type: string): Promise<EventEnvelope[]> =>
    (await probe.events(serviceStream, `${prefix}.${type}`)).filter((e) => e.subjectId === caseId);
  /** The case's events of that type once there is one (the outbox relay publishes them a moment after the commit). */
  const published = (caseId: string, type: string) =>
    eventuallyWithin({ timeoutMs: 10_000 })(
      () => caseEvents(caseId, type),
      (events) => events.length > 0,
    );
  const minutes = (from: Date, to: Date | null) => (to!.getTime() - from.getTime()) / 60_000;
  /**
   * Due times after a pause may come out 1 ms early: libs/business-time turns minutes back into milliseconds
   * (minutes × 60000) and a Date drops the fraction, so a float just below a whole millisecond loses one.
   */
  const expectWithinMs = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1);

  beforeAll(async () => {
    service = await startService(ServiceAppModule, serviceDefinition, ENV);
    nc = await connect({ servers: process.env.NATS_URL });
    feed = new SalesFeed(nc, query);
    probe = await StreamProbe.connect();
  });

  afterAll(async () => {
    await probe?.close();
    await nc?.close();
    await service?.close();
  });

  /** A tenant with around-the-clock policies: NORMAL 600/1200 minutes, URGENT 1/2. */
  async function tenant() {
    const tenantId = randomUUID();
    const admin = as(tenantId);
    const policies = service.app.get(SlaPoliciesService);
    await policies.setPolicy(admin, { priority: 'NORMAL', firstResponseMinutes: 600, resolutionMinutes: 1200, warningShare: 0.5 });
    await policies.setPolicy(admin, { priority: 'URGENT', firstResponseMinutes: 1, resolutionMinutes: 2, warningShare: 0.5 });
    return { tenantId, admin, contactId: await feed.contact(tenantId) };
  }

  it('re-plans the SLA on a priority change, so the new target breaches on time', async () => {
    const { admin, contactId } = await tenant();
    const opened = await cases().open(admin, { contactId, subject: 'Looks minor' });
    expect(minutes(opened.createdAt, opened.firstResponseDueAt)).toBe(600);

    const urgent = await edits().update(admin, { caseId: opened.id, priority: 'URGENT', subject: 'Production down' });
    expect([urgent.priority, urgent.firstResponseMinutes, urgent.resolutionMinutes]).toEqual(['URGENT', 1, 2]);
    expect(minutes(opened.createdAt, urgent.firstResponseDueAt)).toBe(1);
    expect(minutes(opened.createdAt, urgent.resolutionDueAt)).toBe(2);
    const [updated] = await published(opened.id, 'service.case.updated');
    expect(updated.data).toMatchObject({ changed: ['subject', 'priority'], case: { priority: 'URGENT', subject: 'Production down' } });

    // The timers planned for the old targets go stale; the new ones fire.
    const deadline = Date.now() + 20_000;
    while ((await caseEvents(opened.id, 'service.case.sla_breached')).length < 2) {
      if (Date.now() > deadline) throw new Error('no breach under the new target');
      await new Promise((r) => setTimeout(r, 100));
    }
    const breaches = await caseEvents(opened.id, 'service.case.sla_breached');
    expect(breaches.map((e) => (e.data as { targetMinutes: number }).targetMinutes).sort()).toEqual([1, 2]);
  });

  it('keeps waiting time excluded and a first response already given when the priority changes', async () => {
    const { admin, contactId } = await tenant();
    const opened = await cases().open(admin, { contactId, subject: 'Slow' });
    const paused = await cases().changeStatus(admin, { caseId: opened.id, status: 'PENDING_CUSTOMER' });
    await new Promise((r) => setTimeout(r, 300));
    // Changed while waiting on the customer: as if it had opened URGENT, then paused.
    const urgent = await edits().update(admin, { caseId: opened.id, priority: 'URGENT' });
    expect(urgent.pausedAt).toEqual(paused.pausedAt);
    expect(minutes(opened.createdAt, urgent.firstResponseDueAt)).toBe(1);
    const resumed = await cases().changeStatus(admin, { caseId: opened.id, status: 'OPEN' });
    const pauseMs = resumed.updatedAt.getTime() - paused.pausedAt!.getTime();
    expectWithinMs(resumed.firstResponseDueAt!.getTime() - opened.createdAt.getTime(), 60_000 + pauseMs);

    // Answered: the first-response clock keeps its result whatever the priority becomes; resolution is re-planned.
    const { case: answered } = await cases().comment(admin, { caseId: opened.id, body: 'On it' });
    const normal = await edits().update(admin, { caseId: opened.id, priority: 'NORMAL' });
    expect(normal.firstResponseDueAt).toEqual(answered.firstResponseDueAt);
    expect(normal.firstResponseMinutes).toBe(1);
    expectWithinMs(normal.resolutionDueAt!.getTime() - opened.createdAt.getTime(), 1200 * 60_000 + pauseMs);

    // A resolved case keeps its SLA; edits are for staff and need a change.
    await cases().changeStatus(admin, { caseId: opened.id, status: 'RESOLVED' });
    const done = await edits().update(admin, { caseId: opened.id, priority: 'LOW', category: 'COMPLAINT' });
    expect([done.priority, done.category, done.resolutionDueAt]).toEqual(['LOW', 'COMPLAINT', normal.resolutionDueAt]);
    await expect(edits().update(admin, { caseId: opened.id })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'input' },
    });
    await expect(edits().update(admin, { caseId: opened.id, priority: 'SOON' as never })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'priority' },
    });
    await expect(edits().update(as(admin.tenantId, 'customer', contactId), { caseId: opened.id, subject: 'mine' })).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
    await expect(edits().update(admin, { caseId: randomUUID(), subject: 'x' })).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND' },
    });
  });

  it('reopens a resolved case when its customer comments; a closed one takes no customer comments', async () => {
    const { tenantId, admin, contactId } = await tenant();
    const customer = as(tenantId, 'customer', contactId);
    const opened = await cases().open(customer, { subject: 'Still broken?' });
    const resolved = await cases().changeStatus(admin, { caseId: opened.id, status: 'RESOLVED' });
    await new Promise((r) => setTimeout(r, 200));

    const { case: reopened } = await cases().comment(customer, { caseId: opened.id, body: 'No, it is not fixed' });
    expect(reopened.status).toBe('OPEN');
    // The resolved spell did not count against the team.
    const resolvedMs = reopened.updatedAt.getTime() - resolved.resolvedAt!.getTime();
    expectWithinMs(reopened.resolutionDueAt!.getTime() - opened.resolutionDueAt!.getTime(), resolvedMs);
    expect(await published(opened.id, 'service.case.reopened')).toHaveLength(1);

    await cases().changeStatus(admin, { caseId: opened.id, status: 'CLOSED' });
    await expect(cases().comment(customer, { caseId: opened.id, body: 'one more thing' })).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', field: 'caseId' },
    });
    // Staff can still reopen a closed case.
    expect((await cases().changeStatus(admin, { caseId: opened.id, status: 'OPEN' })).status).toBe('OPEN');
    const history = await query(`SELECT from_status, to_status FROM case_status_history WHERE case_id = $1 ORDER BY changed_at, id`, [
      opened.id,
    ]);
    expect(history.map((h: { to_status: string }) => h.to_status)).toEqual(['NEW', 'RESOLVED', 'OPEN', 'CLOSED', 'OPEN']);
  });
});

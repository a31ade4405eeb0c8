import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import { CUSTOMER_TIER_CHANGED, SYSTEM_ACTOR, type EventEnvelope } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { StartedService } from '@rapport/service-kit';
import { startService, StreamProbe, eventuallyWithin } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { ServiceAppModule } from '../app.module';
import { CaseDetailsService } from '../cases/case-details.service';
import { CasesService } from '../cases/cases.service';
import { RoutingService } from '../routing/routing.service';
import { serviceDefinition } from '../service.definition';
import { SlaPoliciesService } from '../sla/sla-policies.service';
import { SlaTimers } from '../sla/sla-timers';
import { SalesFeed } from './sales-feed';

/** SLA timers wait 5 % of real time here: a 1-minute target breaches after 3 s, its 50 % warning after 1.5 s. */
const ENV = { SERVICE_SLA_DELAY_PERCENT: '5' };
const prefix = process.env.NATS_SUBJECT_PREFIX;
const serviceStream = `SERVICE_${process.env.NATS_STREAM_SUFFIX}`;

describe('service: SLA clocks, tiers, timers, self-service isolation', () => {
  let service: StartedService;
  let nc: NatsConnection;
  let probe: StreamProbe;
  let feed: SalesFeed;

  const as = (
    tenantId: string,
    roles: Principal['roles'],
    kind: Principal['kind'] = 'user',
    contactId: string | null = null,
  ): Principal => ({
    kind,
    tenantId,
    id: randomUUID(),
    roles,
    scopes: [],
    contactId,
  });
  const cases = () => service.app.get(CasesService);
  const details = () => service.app.get(CaseDetailsService);
  const policies = () => service.app.get(SlaPoliciesService);
  const routing = () => service.app.get(RoutingService);
  /** Users identity told the service about (its projection), as agents must be. */
  const staff = async (tenantId: string, ids: string[], roles = ['support_agent'], active = true) => {
    for (const id of ids)
      await query(
        `INSERT INTO identity_users (id, tenant_id, email, display_name, roles, active, last_event_id) VALUES ($1, $2, $3, 'Agent', $4, $5, $6)`,
        [id, tenantId, `${id}@agents.test`, roles, active, randomUUID()],
      );
    return ids;
  };
  /** Owner connection (bypasses RLS) for assertions only; always filtered by case or tenant. */
  const query = (sql: string, params: unknown[]) => service.app.get(DataSource).query(sql, params);

  beforeAll(async () => {
    service = await startService(ServiceAppModule, serviceDefinition, ENV);
    nc = await connect({ servers: process.env.NATS_URL });
    probe = await StreamProbe.connect();
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

  /** A tenant whose default NORMAL policy is around the clock with the given targets. */
  async function tenantWithPolicy(firstResponseMinutes: number, resolutionMinutes: number, warningShare = 0.5) {
    const tenantId = randomUUID();
    const admin = as(tenantId, ['admin']);
    await policies().setPolicy(admin, { priority: 'NORMAL', firstResponseMinutes, resolutionMinutes, warningShare });
    return { tenantId, admin };
  }

  it('pauses the clocks while the case waits on the customer and moves due times by the pause on resume', async () => {
    const { tenantId, admin } = await tenantWithPolicy(1, 1);
    const contactId = await feed.contact(tenantId);
    const opened = await cases().open(admin, { contactId, subject: 'Printer on fire', category: 'PROBLEM' });
    const due = { fr: opened.firstResponseDueAt!.getTime(), res: opened.resolutionDueAt!.getTime() };
    expect(due.fr - opened.createdAt.getTime()).toBe(60_000);

    const paused = await cases().changeStatus(admin, { caseId: opened.id, status: 'PENDING_CUSTOMER' });
    expect(paused.pausedAt).not.toBeNull();
    // The timers planned at opening (warning after 1.5 s, breach after 3 s) find a newer SLA version and do nothing.
    await new Promise((r) => setTimeout(r, 4000));
    const [idle] = await query(`SELECT first_response_warned_at, first_response_breached_at FROM cases WHERE id = $1`, [opened.id]);
    expect(idle).toEqual({ first_response_warned_at: null, first_response_breached_at: null });

    // The customer answers: the case reopens for the team, every due time moves by exactly the pause (24/7 calendar).
    const customer = as(tenantId, ['customer'], 'customer', contactId);
    const { case: resumed } = await cases().comment(customer, { caseId: opened.id, body: 'Here is the photo' });
    expect(resumed.status).toBe('OPEN');
    expect(resumed.pausedAt).toBeNull();
    const pausedMs = resumed.updatedAt.getTime() - paused.pausedAt!.getTime();
    expect(resumed.firstResponseDueAt!.getTime() - due.fr).toBe(pausedMs);
    expect(resumed.resolutionDueAt!.getTime() - due.res).toBe(pausedMs);

    // Re-planned timers fire for the new due times.
    await eventually(
      () => caseEvents(opened.id, 'service.case.sla_breached'),
      (events) => events.length === 2,
    );
    const history = await query(`SELECT from_status, to_status FROM case_status_history WHERE case_id = $1 ORDER BY changed_at, id`, [
      opened.id,
    ]);
    expect(history).toEqual([
      { from_status: null, to_status: 'NEW' },
      { from_status: 'NEW', to_status: 'PENDING_CUSTOMER' },
      { from_status: 'PENDING_CUSTOMER', to_status: 'OPEN' },
    ]);
  });

  it('gives a new case the policy of the tier known at opening; an open case keeps its own', async () => {
    const { tenantId, admin } = await tenantWithPolicy(600, 1200);
    await policies().setPolicy(admin, { priority: 'NORMAL', tier: 'gold', firstResponseMinutes: 30, resolutionMinutes: 240 });
    const contactId = await feed.contact(tenantId);
    const tierChanged = async (tier: string, previousTier: string | null) => {
      const event = newEvent({
        type: CUSTOMER_TIER_CHANGED,
        tenantId,
        actor: SYSTEM_ACTOR,
        subjectId: contactId,
        data: { contactId, previousTier, tier, clv: { amount: '1000.00', currency: 'EUR' } },
      });
      await nc.jetstream().publish(`${prefix}.${CUSTOMER_TIER_CHANGED}`, Buffer.from(JSON.stringify(event)), { msgID: event.id });
      await eventually(
        () => policies().customerTier(admin, contactId),
        (t) => t === tier,
      );
    };

    const before = await cases().open(admin, { contactId, subject: 'No tier yet' });
    expect([before.tier, before.firstResponseMinutes]).toEqual([null, 600]);

    await tierChanged('gold', null);
    const gold = await cases().open(admin, { contactId, subject: 'Gold customer' });
    expect([gold.tier, gold.firstResponseMinutes, gold.resolutionMinutes]).toEqual(['gold', 30, 240]);

    await tierChanged('bronze', 'gold');
    const bronze = await cases().open(admin, { contactId, subject: 'Bronze now' });
    expect([bronze.tier, bronze.firstResponseMinutes]).toEqual(['bronze', 600]);
    const kept = await cases().get(admin, gold.id);
    expect([kept!.tier, kept!.firstResponseMinutes, kept!.firstResponseDueAt]).toEqual(['gold', 30, gold.firstResponseDueAt]);
  });

  it('fires a breach exactly once although the service restarts while the job is pending', async () => {
    const { tenantId, admin } = await tenantWithPolicy(1, 1);
    const opened = await cases().open(admin, { contactId: await feed.contact(tenantId), subject: 'Restart me' });
    await service.close();
    // While the service is down the timers come due; the restarted one (and its start-up sweep) must not double them.
    await new Promise((r) => setTimeout(r, 3500));
    service = await startService(ServiceAppModule, serviceDefinition, ENV);
    await eventually(
      () => query(`SELECT count(*)::int AS n FROM case_escalations WHERE case_id = $1`, [opened.id]),
      (rows) => rows[0].n === 2,
    );
    // A second sweep re-adds the same job ids: still nothing new.
    await service.app.get(SlaTimers).sweep();
    await new Promise((r) => setTimeout(r, 2000));
    const breaches = await caseEvents(opened.id, 'service.case.sla_breached');
    expect(breaches.map((e) => (e.data as { kind: string }).kind).sort()).toEqual(['FIRST_RESPONSE', 'RESOLUTION']);
    expect(await caseEvents(opened.id, 'service.case.escalated')).toHaveLength(2);
    const [row] = await query(`SELECT priority FROM cases WHERE id = $1`, [opened.id]);
    expect(row.priority).toBe('URGENT'); // NORMAL → HIGH → URGENT, one step per breached clock
  });

  it('stops the first-response clock on a public agent reply, not on an internal note', async () => {
    const { tenantId, admin } = await tenantWithPolicy(1, 600);
    const opened = await cases().open(admin, { contactId: await feed.contact(tenantId), subject: 'Reply quickly' });
    await cases().comment(admin, { caseId: opened.id, body: 'Looking into it (note)', visibility: 'INTERNAL' });
    const { case: replied } = await cases().comment(admin, { caseId: opened.id, body: 'We are on it', visibility: 'PUBLIC' });
    expect(replied.firstRespondedAt).not.toBeNull();
    await new Promise((r) => setTimeout(r, 4000));
    expect(await caseEvents(opened.id, 'service.case.sla_breached')).toHaveLength(0);
  });

  it('routes by rule (first match wins) and assigns round-robin among available agents, recording every assignment', async () => {
    const tenantId = randomUUID();
    const admin = as(tenantId, ['admin']);
    const [a1, a2] = await staff(tenantId, [randomUUID(), randomUUID()].sort());
    const general = await routing().createQueue(admin, {
      name: 'General',
      isDefault: true,
      agentIds: await staff(tenantId, [randomUUID()]),
    });
    const complaints = await routing().createQueue(admin, { name: 'Complaints', strategy: 'ROUND_ROBIN', agentIds: [a1, a2] });
    await routing().createRule(admin, { queueId: complaints.id, position: 1, category: 'COMPLAINT' });
    await routing().createRule(admin, { queueId: general.id, position: 2, channel: 'EMAIL' });
    const contactId = await feed.contact(tenantId);
    const open = (category: 'COMPLAINT' | 'QUESTION') => cases().open(admin, { contactId, subject: 's', category, channel: 'EMAIL' });
    const owners = [];
    for (let i = 0; i < 3; i++) owners.push((await open('COMPLAINT')).ownerId);
    expect(owners).toEqual([a1, a2, a1]);
    expect((await open('QUESTION')).queueId).toBe(general.id);
    await routing().setAvailability(admin, { queueId: complaints.id, agentId: a2, available: false });
    const c = await open('COMPLAINT');
    expect(c.ownerId).toBe(a1);
    const moved = await cases().assign(admin, { caseId: c.id, queueId: general.id });
    expect(moved.queueId).toBe(general.id);
    const rows = await query(
      `SELECT reason, owner_id, previous_owner_id FROM case_assignments WHERE case_id = $1 ORDER BY assigned_at, id`,
      [c.id],
    );
    expect(rows.map((r: { reason: string }) => r.reason)).toEqual(['RULE', 'MANUAL']);
    expect(rows[1].previous_owner_id).toBe(a1);
  });

  it('adds and removes queue members: a new member takes turns, a removed one gets no new cases and keeps their own', async () => {
    const tenantId = randomUUID();
    const admin = as(tenantId, ['admin']);
    const [first, joiner] = await staff(tenantId, [randomUUID(), randomUUID()].sort());
    const queue = await routing().createQueue(admin, { name: 'Desk', isDefault: true, agentIds: [first] });
    const contactId = await feed.contact(tenantId);
    const open = async () => (await cases().open(admin, { contactId, subject: 'turns' })).ownerId;
    expect(await open()).toBe(first);
    await routing().addMember(admin, { queueId: queue.id, agentId: joiner });
    await routing().addMember(admin, { queueId: queue.id, agentId: joiner }); // already a member: unchanged
    expect([await open(), await open()]).toEqual([joiner, first]);
    await routing().removeMember(admin, { queueId: queue.id, agentId: joiner });
    expect([await open(), await open()]).toEqual([first, first]);
    const [{ n }] = await query(`SELECT count(*)::int AS n FROM cases WHERE tenant_id = $1 AND owner_id = $2`, [tenantId, joiner]);
    expect(n).toBe(1);
    await expect(routing().removeMember(admin, { queueId: queue.id, agentId: joiner })).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND' },
    });
    await expect(routing().addMember(admin, { queueId: randomUUID(), agentId: joiner })).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND' },
    });
    await expect(routing().addMember(as(tenantId, ['support_agent']), { queueId: queue.id, agentId: joiner })).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
  });

  it('assigns cases and queue seats only to active staff users identity knows, naming the field otherwise', async () => {
    const tenantId = randomUUID();
    const admin = as(tenantId, ['admin']);
    const [agent] = await staff(tenantId, [randomUUID()]);
    const [customer] = await staff(tenantId, [randomUUID()], ['customer']);
    const [gone] = await staff(tenantId, [randomUUID()], ['support_agent'], false);
    const stranger = randomUUID();
    const refused = (field: string, message: RegExp) => ({
      extensions: { code: 'BAD_USER_INPUT', field },
      message: expect.stringMatching(message),
    });

    await expect(routing().createQueue(admin, { name: 'Desk', agentIds: [agent, stranger] })).rejects.toMatchObject(
      refused('agentIds[1]', new RegExp(stranger)),
    );
    const queue = await routing().createQueue(admin, { name: 'Desk', isDefault: true, agentIds: [agent] });
    await expect(routing().addMember(admin, { queueId: queue.id, agentId: customer })).rejects.toMatchObject(
      refused('agentId', /not staff/),
    );
    await expect(routing().addMember(admin, { queueId: queue.id, agentId: gone })).rejects.toMatchObject(refused('agentId', /deactivated/));

    const contactId = await feed.contact(tenantId);
    const c = await cases().open(admin, { contactId, subject: 'owner check' });
    await expect(cases().assign(admin, { caseId: c.id, ownerId: stranger })).rejects.toMatchObject(
      refused('ownerId', new RegExp(stranger)),
    );
    await expect(cases().assign(admin, { caseId: c.id, ownerId: customer })).rejects.toMatchObject(refused('ownerId', /not staff/));
    expect((await cases().get(admin, c.id))?.ownerId).toBe(agent);
    const [other] = await staff(tenantId, [randomUUID()]);
    expect((await cases().assign(admin, { caseId: c.id, ownerId: other })).ownerId).toBe(other);
  });

  it('assigns to the available agent with the fewest open cases in a LEAST_OPEN queue', async () => {
    const tenantId = randomUUID();
    const admin = as(tenantId, ['admin']);
    const [b1, b2] = await staff(tenantId, [randomUUID(), randomUUID()].sort());
    await routing().createQueue(admin, { name: 'Fewest open', strategy: 'LEAST_OPEN', isDefault: true, agentIds: [b1, b2] });
    const contactId = await feed.contact(tenantId);
    const open = () => cases().open(admin, { contactId, subject: 'load' });
    const first = await open();
    const second = await open();
    expect([first.ownerId, second.ownerId]).toEqual([b1, b2]);
    await cases().changeStatus(admin, { caseId: second.id, status: 'RESOLVED' });
    // b2 now has no open case and b1 one, so b2 gets the next; then both have one and the tie goes round (to b1).
    expect((await open()).ownerId).toBe(b2);
    expect((await open()).ownerId).toBe(b1);
  });

  it('shows a customer only their own cases and public comments, whatever ids they send', async () => {
    const { tenantId, admin } = await tenantWithPolicy(600, 1200);
    const [adaId, bobId] = [randomUUID(), randomUUID()];
    const ada = as(tenantId, ['customer'], 'customer', adaId);
    const bob = as(tenantId, ['customer'], 'customer', bobId);
    // Whatever contact a customer names, the case is theirs.
    const mine = await cases().open(ada, { contactId: bobId, subject: 'My parcel', category: 'COMPLAINT' });
    expect(mine.contactId).toBe(adaId);
    await cases().comment(admin, { caseId: mine.id, body: 'customer is angry', visibility: 'INTERNAL' });
    await cases().comment(admin, { caseId: mine.id, body: 'Sorry, on its way', visibility: 'PUBLIC' });

    expect(await cases().get(bob, mine.id)).toBeNull();
    expect((await cases().list(bob, {})).totalCount).toBe(0);
    expect((await cases().list(bob, { filter: { contactId: adaId } })).totalCount).toBe(0);
    expect((await cases().getMany(bob, [mine.id])).size).toBe(0);
    await expect(cases().comment(bob, { caseId: mine.id, body: 'hi' })).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    await expect(cases().comment(bob, { caseId: randomUUID(), body: 'hi' })).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    await expect(cases().changeStatus(ada, { caseId: mine.id, status: 'CLOSED' })).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
    await expect(cases().comment(ada, { caseId: mine.id, body: 'psst', visibility: 'INTERNAL' })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
    });

    expect((await cases().list(ada, {})).edges.map((e) => e.node.id)).toEqual([mine.id]);
    const seen = (await details().comments(ada, [mine.id])).get(mine.id)!;
    expect(seen.map((m) => m.body)).toEqual(['Sorry, on its way']);
    expect((await details().comments(admin, [mine.id])).get(mine.id)).toHaveLength(2);
    expect((await details().escalations(ada, [mine.id])).get(mine.id)).toEqual([]);
  });
});

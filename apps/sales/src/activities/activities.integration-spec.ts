import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';
import type { StartedService } from '@rapport/service-kit';
import { startService, userPrincipal, eventuallyWithin } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { SalesAppModule } from '../app.module';
import { ContactsService } from '../contacts/contacts.service';
import { LeadRulesService } from '../lead-rules/lead-rules.service';
import { LeadConversionService } from '../leads/lead-conversion.service';
import { LeadsService } from '../leads/leads.service';
import { OpportunitiesService } from '../opportunities/opportunities.service';
import { OpportunityProgressService } from '../opportunities/opportunity-progress.service';
import { ProductsService } from '../products/products.service';
import { QuotesService } from '../quotes/quotes.service';
import { salesDefinition } from '../sales.definition';
import { TimelineService } from '../timeline/timeline.service';
import { projectUsers } from '../users/__tests__/project-users';
import { ActivitiesService } from './activities.service';
import { ActivityReminders } from './activity-reminders';

/** Reminder jobs wait 10 % of real time here: an activity due in 20 s is reminded after 2 s. */
const ENV = { DB_SCHEMA_SUFFIX: `act_${process.env.RAPPORT_TEST_RUN_ID}`, SALES_REMINDER_DELAY_PERCENT: '10' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('activities: reminders, timeline, lead scoring and assignment', () => {
  let sales: StartedService;
  const tenantId = randomUUID();
  const as = (roles: Role[], id?: string): Principal => userPrincipal(tenantId, roles, id);
  const manager = as(['sales_manager']);
  const rep = as(['sales_rep']);
  const partner: Principal = { kind: 'apiKey', tenantId, id: randomUUID(), roles: ['partner'], scopes: ['leads:write'], contactId: null };

  const get = <T>(type: new (...args: never[]) => T): T => sales.app.get(type);
  /** Owner connection (bypasses RLS) for assertions only; always filtered by subject. */
  type DueEvent = { occurredAt: string; data: { dueVersion: number } };
  const dueEvents = async (activityId: string): Promise<DueEvent[]> =>
    (
      await get(DataSource).query(`SELECT envelope FROM outbox WHERE type = 'sales.activity.due' AND envelope->>'subjectId' = $1`, [
        activityId,
      ])
    ).map((r: { envelope: DueEvent }) => r.envelope);

  const eventually = eventuallyWithin({ timeoutMs: 15_000 });

  let contactId: string;
  let accountId: string;
  const inSeconds = (s: number) => new Date(Date.now() + s * 1000);

  beforeAll(async () => {
    sales = await startService(SalesAppModule, salesDefinition, ENV);
    accountId = (await get(AccountsService).create(manager, { name: 'Difference Engines Ltd' })).id;
    contactId = (await get(ContactsService).create(manager, { firstName: 'Charles', lastName: 'Babbage', accountId })).id;
  });

  afterAll(() => sales?.close());

  it('reminds exactly once at the (compressed) due time', async () => {
    const task = await get(ActivitiesService).create(rep, {
      type: 'TASK',
      target: { type: 'CONTACT', id: contactId },
      subject: 'Send the brochure',
      dueAt: inSeconds(20),
    });
    await sleep(1000);
    expect(await dueEvents(task.id)).toHaveLength(0);
    const [event] = await eventually(
      () => dueEvents(task.id),
      (e) => e.length > 0,
    );
    expect(new Date(event.occurredAt).getTime() - task.createdAt.getTime()).toBeGreaterThanOrEqual(1900);
    await sleep(1500);
    expect(await dueEvents(task.id)).toHaveLength(1);
    // Running the same job again (a redelivery) finds the reminder already sent.
    const reminders = get(ActivityReminders);
    expect(await reminders.fire({ tenantId, activityId: task.id, dueVersion: 0, dueAt: task.dueAt!.toISOString() })).toBe('stale');
  });

  it('replaces the reminder when the due time moves', async () => {
    const call = await get(ActivitiesService).create(rep, {
      type: 'CALL',
      target: { type: 'ACCOUNT', id: accountId },
      subject: 'Pricing call',
      dueAt: inSeconds(20),
    });
    const moved = await get(ActivitiesService).update(rep, { id: call.id, dueAt: inSeconds(50) });
    expect(moved.dueVersion).toBe(1);
    expect(await get(ActivityReminders).job(call.id, 0)).toBeFalsy();
    await sleep(3500);
    expect(await dueEvents(call.id)).toHaveLength(0);
    const events = await eventually(
      () => dueEvents(call.id),
      (e) => e.length > 0,
    );
    expect(events.map((e) => e.data.dueVersion)).toEqual([1]);
  });

  it('cancels the reminder when the activity is completed before it is due', async () => {
    const task = await get(ActivitiesService).create(rep, {
      type: 'TASK',
      target: { type: 'CONTACT', id: contactId },
      subject: 'Check the invoice',
      dueAt: inSeconds(25),
    });
    expect(await get(ActivityReminders).job(task.id, 0)).toBeTruthy();
    await get(ActivitiesService).complete(rep, { id: task.id });
    expect(await get(ActivityReminders).job(task.id, 0)).toBeFalsy();
    await sleep(3500);
    expect(await dueEvents(task.id)).toHaveLength(0);
    await expect(get(ActivitiesService).complete(rep, { id: task.id })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
  });

  it('survives a restart: a pending reminder fires once, a fired one never again', async () => {
    const fired = await get(ActivitiesService).create(rep, {
      type: 'TASK',
      target: { type: 'CONTACT', id: contactId },
      subject: 'Already reminded',
      dueAt: inSeconds(5),
    });
    await eventually(
      () => dueEvents(fired.id),
      (e) => e.length === 1,
    );
    const meeting = (subject: string) =>
      get(ActivitiesService).create(rep, {
        type: 'MEETING',
        target: { type: 'CONTACT', id: contactId },
        subject,
        startsAt: inSeconds(40),
        endsAt: inSeconds(100),
      });
    const kept = await meeting('Demo');
    const lost = await meeting('Follow-up');
    // As if the process had died between the commit and queueing the job: only the sweep at start can bring it back.
    await get(ActivityReminders).cancel(lost);
    await sales.close();
    sales = await startService(SalesAppModule, salesDefinition, ENV);
    for (const pending of [kept, lost]) {
      await eventually(
        () => dueEvents(pending.id),
        (e) => e.length === 1,
      );
    }
    await sleep(2000);
    expect(await dueEvents(kept.id)).toHaveLength(1);
    expect(await dueEvents(lost.id)).toHaveLength(1);
    expect(await dueEvents(fired.id)).toHaveLength(1);
    expect(await get(ActivityReminders).sweep()).toBe(0);
  });

  it('shows activities and sales events on the contact and account timelines, newest first, a page at a time', async () => {
    const account = await get(AccountsService).create(manager, { name: 'Timeline Traders' });
    const contact = await get(ContactsService).create(manager, { firstName: 'Ada', lastName: 'Lovelace', accountId: account.id });
    const note = await get(ActivitiesService).create(rep, {
      type: 'NOTE',
      target: { type: 'CONTACT', id: contact.id },
      subject: 'Met at the fair',
    });
    const opportunity = await get(OpportunitiesService).create(manager, {
      name: 'Engine order',
      accountId: account.id,
      primaryContactId: contact.id,
      amount: { amount: '1000', currency: 'GBP' },
      closeDate: '2026-12-31',
    });
    const [next]: { id: string }[] = await get(DataSource).query(
      `SELECT id FROM pipeline_stages WHERE pipeline_id = $1 AND id <> $2 AND forecast_category NOT IN ('CLOSED_WON', 'CLOSED_LOST') ORDER BY position LIMIT 1`,
      [opportunity.pipelineId, opportunity.stageId],
    );
    await get(OpportunityProgressService).moveStage(manager, { id: opportunity.id, stageId: next.id });
    const call = await get(ActivitiesService).create(rep, {
      type: 'CALL',
      target: { type: 'OPPORTUNITY', id: opportunity.id },
      subject: 'Negotiate',
    });
    await get(ActivitiesService).complete(rep, { id: call.id });

    const timeline = get(TimelineService);
    const seen: { kind: string; occurredAt: Date; refId: string | null }[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page = await timeline.timelineOf(manager, 'CONTACT', contact.id, { first: 2, after });
      expect(page.totalCount).toBe(5);
      seen.push(...page.edges.map((e) => e.node));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen.map((e) => e.kind)).toEqual([
      'ACTIVITY_COMPLETED',
      'ACTIVITY_CREATED',
      'OPPORTUNITY_STAGE_CHANGED',
      'OPPORTUNITY_CREATED',
      'ACTIVITY_CREATED',
    ]);
    expect(seen[4].refId).toBe(note.id);
    for (let i = 1; i < seen.length; i++) expect(seen[i - 1].occurredAt.getTime()).toBeGreaterThanOrEqual(seen[i].occurredAt.getTime());

    const accountPage = await timeline.timelineOf(manager, 'ACCOUNT', account.id, { first: 20 });
    expect(accountPage.edges.map((e) => e.node.kind)).toEqual(seen.map((e) => e.kind));
    await expect(
      timeline.timelineOf({ ...manager, kind: 'customer', roles: ['customer'], contactId: contact.id }, 'CONTACT', contact.id, {}),
    ).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  });

  it('records lead conversion, quotes and the won opportunity on the new customer timeline', async () => {
    const { lead } = await get(LeadsService).create(rep, { firstName: 'Grace', lastName: 'Hopper', company: 'Navy Labs' });
    const converted = await get(LeadConversionService).convert(rep, {
      leadId: lead.id,
      createOpportunity: { name: 'Compiler', amount: { amount: '5000', currency: 'USD' }, closeDate: '2026-12-31' },
    });
    const product = await get(ProductsService).create(manager, { code: `C-${lead.id.slice(-6)}`, name: 'Compiler licence' });
    const quote = await get(QuotesService).create(rep, {
      opportunityId: converted.opportunity!.id,
      lines: [{ productId: product.id, quantity: '1', unitPrice: '5000' }],
    });
    await get(QuotesService).send(rep, { id: quote.id });
    await get(QuotesService).accept(rep, { id: quote.id });

    const kinds = async (type: 'CONTACT' | 'ACCOUNT', id: string) =>
      (await get(TimelineService).timelineOf(manager, type, id, { first: 20 })).edges.map((e) => e.node.kind);
    // Accepting the quote wins the opportunity in the same transaction: those three entries may share a millisecond.
    for (const timeline of [await kinds('CONTACT', converted.contact.id), await kinds('ACCOUNT', converted.account.id)]) {
      expect(timeline.slice(0, 3).sort()).toEqual(['OPPORTUNITY_STAGE_CHANGED', 'OPPORTUNITY_WON', 'QUOTE_ACCEPTED']);
      expect(timeline.slice(3)).toEqual(['QUOTE_SENT', 'LEAD_CONVERTED', 'OPPORTUNITY_CREATED']);
    }
  });

  it('assigns ownerless leads round-robin (6 leads over 3 users: 2/2/2) and by rule first, never to deactivated users', async () => {
    const users = [randomUUID(), randomUUID(), randomUUID()];
    const special = randomUUID();
    const stranger = randomUUID();
    await projectUsers(
      sales.app,
      [...users, special].map((id) => ({ tenantId, id, roles: ['sales_rep'] })),
    );
    // Only users sales knows from identity can be assigned.
    await expect(get(LeadRulesService).setAssignmentRules(manager, { roundRobinUserIds: [...users, stranger] })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'roundRobinUserIds[3]' },
      message: expect.stringContaining(stranger),
    });
    await get(LeadRulesService).setAssignmentRules(manager, {
      rules: [{ field: 'SOURCE', value: 'trade-show', ownerId: special }],
      roundRobinUserIds: users,
    });
    await expect(get(LeadRulesService).setAssignmentRules(rep, { roundRobinUserIds: users })).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, i) => get(LeadsService).create(partner, { lastName: `Prospect ${i}`, source: 'web-form' })),
    );
    const counts = users.map((u) => created.filter((c) => c.lead.ownerId === u).length);
    expect(counts).toEqual([2, 2, 2]);
    const ruled = await get(LeadsService).create(partner, { lastName: 'Visitor', source: 'Trade-Show' });
    expect(ruled.lead.ownerId).toBe(special);
    // A user creating a lead owns it; rules are for leads without an owner.
    expect((await get(LeadsService).create(rep, { lastName: 'Mine' })).lead.ownerId).toBe(rep.id);

    // Deactivated in identity since the rules were set: the rule no longer matches, the round-robin skips them.
    await projectUsers(
      sales.app,
      [special, users[1]].map((id) => ({ tenantId, id, roles: ['sales_rep'] })),
      'deactivated',
    );
    const later = await Promise.all(
      Array.from({ length: 4 }, (_, i) => get(LeadsService).create(partner, { lastName: `Later ${i}`, source: 'trade-show' })),
    );
    expect(later.map((c) => c.lead.ownerId).sort()).toEqual([users[0], users[0], users[2], users[2]].sort());
  });

  it('scores leads by the tenant rules on create, update and when an activity on them is completed', async () => {
    await expect(
      get(LeadRulesService).setScoringRules(manager, { rules: [{ kind: 'EMAIL_DOMAIN_IN', domains: ['bad domain'], points: 5 }] }),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'rules[0].domains[0]' } });
    await get(LeadRulesService).setScoringRules(manager, {
      rules: [
        { kind: 'FIELD_EQUALS', field: 'SOURCE', value: 'web-form', points: 20 },
        { kind: 'EMAIL_DOMAIN_IN', domains: ['bigcorp.test'], points: 15 },
        { kind: 'ACTIVITY_COUNT', activityType: 'CALL', points: 10, maxPoints: 30 },
      ],
    });
    const { lead } = await get(LeadsService).create(rep, { lastName: 'Scored', source: 'web-form', score: 99 });
    expect(lead.score).toBe(20);
    const updated = await get(LeadsService).update(rep, { id: lead.id, email: 'buyer@bigcorp.test' });
    expect(updated.lead.score).toBe(35);

    const call = await get(ActivitiesService).create(rep, { type: 'CALL', target: { type: 'LEAD', id: lead.id }, subject: 'Intro call' });
    expect((await get(LeadsService).get(rep, lead.id))!.score).toBe(35);
    await get(ActivitiesService).complete(rep, { id: call.id });
    expect((await get(LeadsService).get(rep, lead.id))!.score).toBe(45);
    const [last] = await get(DataSource).query(
      `SELECT envelope FROM outbox WHERE type = 'sales.lead.updated' AND envelope->>'subjectId' = $1 ORDER BY created_at DESC, id DESC LIMIT 1`,
      [lead.id],
    );
    expect(last.envelope.data).toMatchObject({ changed: ['score'], lead: { score: 45 } });
    // The rules changed the lead, not the rep: an audit entry of its own, with the system as actor.
    const audits: { envelope: { actor: unknown; data: Record<string, unknown> } }[] = await get(DataSource).query(
      `SELECT envelope FROM outbox WHERE type = 'sales.audit.recorded' AND envelope->>'subjectId' = $1`,
      [lead.id],
    );
    const rescored = audits.map((a) => a.envelope).filter((e) => e.data.action === 'lead.rescored');
    expect(rescored).toHaveLength(1);
    expect(rescored[0].actor).toEqual({ kind: 'system', id: null });
    expect(rescored[0].data).toMatchObject({
      objectType: 'Lead',
      objectId: lead.id,
      changes: { score: { before: 35, after: 45 } },
      details: { reason: 'scoring rules', activityId: call.id },
    });
  });

  it('checks the target exists in the tenant and lets reps change only their own activities', async () => {
    await expect(
      get(ActivitiesService).create(rep, { type: 'TASK', target: { type: 'OPPORTUNITY', id: randomUUID() }, subject: 'x' }),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'target.id' } });
    const otherTenant = { ...manager, tenantId: randomUUID() };
    await expect(
      get(ActivitiesService).create(otherTenant, { type: 'TASK', target: { type: 'CONTACT', id: contactId }, subject: 'x' }),
    ).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const mine = await get(ActivitiesService).create(rep, { type: 'TASK', target: { type: 'CONTACT', id: contactId }, subject: 'Mine' });
    const otherRep = as(['sales_rep']);
    await expect(get(ActivitiesService).complete(otherRep, { id: mine.id })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await expect(
      get(ActivitiesService).create(otherRep, { type: 'TASK', target: { type: 'CONTACT', id: contactId }, subject: 'x', ownerId: rep.id }),
    ).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect((await get(ActivitiesService).update(manager, { id: mine.id, subject: 'Renamed' })).subject).toBe('Renamed');
    const open = await get(ActivitiesService).list(manager, { filter: { ownerId: rep.id, targetId: contactId, type: 'TASK', open: true } });
    expect(open.edges.map((e) => e.node.id)).toContain(mine.id);
  });
});

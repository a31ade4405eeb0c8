import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';
import type { StartedService } from '@rapport/service-kit';
import { startService, userPrincipal } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { SalesAppModule } from '../app.module';
import { PipelinesService } from '../pipelines/pipelines.service';
import { salesDefinition } from '../sales.definition';
import { projectUsers } from '../users/__tests__/project-users';
import { OpportunitiesService } from './opportunities.service';
import { OpportunityProgressService } from './opportunity-progress.service';

/** Pipelines, opportunities and their stage history against the real Postgres. */
describe('opportunities and pipelines', () => {
  let sales: StartedService;
  let db: DataSource;
  let pipelines: PipelinesService;
  let opportunities: OpportunitiesService;
  let progress: OpportunityProgressService;
  const tenantId = randomUUID();
  const as = (roles: Role[], tenant = tenantId): Principal => userPrincipal(tenant, roles);
  const rep = as(['sales_rep']);
  const otherRep = as(['sales_rep']);
  const manager = as(['sales_manager']);
  let accountId: string;
  const deal = (over: Record<string, unknown> = {}) => ({
    name: 'Deal',
    accountId,
    amount: { amount: '1000', currency: 'USD' },
    closeDate: '2026-03-31',
    ...over,
  });
  const stagesOf = async (principal: Principal, pipelineId: string) => (await pipelines.stagesOf(principal, [pipelineId])).get(pipelineId)!;

  beforeAll(async () => {
    sales = await startService(SalesAppModule, salesDefinition, { DB_SCHEMA_SUFFIX: `opps_${process.env.RAPPORT_TEST_RUN_ID}` });
    db = sales.app.get(DataSource);
    pipelines = sales.app.get(PipelinesService);
    opportunities = sales.app.get(OpportunitiesService);
    progress = sales.app.get(OpportunityProgressService);
    // Owners must be users sales knows from identity's events.
    await projectUsers(sales.app, [rep, otherRep, manager]);
    accountId = (await sales.app.get(AccountsService).create(rep, { name: 'Pipeline Co' })).id;
  });

  afterAll(() => sales?.close());

  it('creates exactly one default pipeline on first use, even when five requests race', async () => {
    const fresh = randomUUID();
    const pages = await Promise.all(Array.from({ length: 5 }, () => pipelines.list(as(['sales_rep'], fresh), {})));
    const ids = new Set(pages.map((p) => p.edges[0].node.id));
    expect(ids.size).toBe(1);
    expect(pages.every((p) => p.totalCount === 1 && p.edges[0].node.isDefault)).toBe(true);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM pipeline_stages WHERE tenant_id = $1`, [fresh]);
    expect(n).toBe(6);
  });

  it("starts in the default pipeline's first open stage with its probability, unless overridden", async () => {
    const created = await opportunities.create(rep, deal());
    const stages = await stagesOf(rep, created.pipelineId);
    expect(created).toMatchObject({ stageId: stages[0].id, probability: 10, status: 'OPEN', ownerId: rep.id });
    const overridden = await opportunities.create(rep, deal({ probability: 33, stageId: stages[2].id }));
    expect(overridden).toMatchObject({ stageId: stages[2].id, probability: 33 });
    await expect(opportunities.create(rep, deal({ stageId: stages[4].id }))).rejects.toMatchObject({ extensions: { field: 'stageId' } });
    await expect(opportunities.create(rep, deal({ accountId: randomUUID() }))).rejects.toMatchObject({
      extensions: { field: 'accountId' },
    });
  });

  it('closing dates the deal the day it closed (UTC), unless the caller names the day, so forecasts count it in its period', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const won = await progress.close(rep, { id: (await opportunities.create(rep, deal({ closeDate: '2026-08-15' }))).id, won: true });
    expect(won.closeDate).toBe(today);
    const lost = await progress.close(rep, {
      id: (await opportunities.create(rep, deal({ closeDate: '2026-08-15' }))).id,
      won: false,
      closeDate: '2026-07-01',
    });
    expect(lost.closeDate).toBe('2026-07-01');
    const open = await opportunities.create(rep, deal());
    await expect(progress.close(rep, { id: open.id, won: true, closeDate: '2026-02-30' })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'closeDate' },
    });
  });

  it('records every stage change (from, to, at, by) and publishes each event once; closing twice is a CONFLICT', async () => {
    const opp = await opportunities.create(rep, deal({ name: 'History' }));
    const stages = await stagesOf(rep, opp.pipelineId);
    const moved = await progress.moveStage(rep, { id: opp.id, stageId: stages[2].id, reason: 'sent proposal' });
    expect(moved.probability).toBe(50);
    const won = await progress.close(rep, { id: opp.id, won: true, reason: 'best price' });
    expect(won).toMatchObject({ status: 'WON', probability: 100, stageId: stages[4].id, closeReason: 'best price' });

    const history = (await opportunities.historyOf(rep, [opp.id])).get(opp.id)!;
    expect(history.map((h) => [h.fromStageId, h.toStageId, h.reason, h.changedById])).toEqual([
      [null, stages[0].id, null, rep.id],
      [stages[0].id, stages[2].id, 'sent proposal', rep.id],
      [stages[2].id, stages[4].id, 'best price', rep.id],
    ]);
    expect(history[1].changedAt.getTime()).toBeLessThanOrEqual(history[2].changedAt.getTime());

    await expect(progress.close(rep, { id: opp.id, won: false })).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    await expect(progress.moveStage(rep, { id: opp.id, stageId: stages[1].id })).rejects.toMatchObject({
      extensions: { code: 'CONFLICT' },
    });
    const types = (await db.query(`SELECT type FROM outbox WHERE envelope->>'subjectId' = $1 ORDER BY created_at, id`, [opp.id])).map(
      (r: { type: string }) => r.type,
    );
    expect(types).toEqual([
      'sales.opportunity.created',
      'sales.opportunity.stage_changed',
      'sales.opportunity.stage_changed',
      'sales.opportunity.won',
    ]);
    const [won1] = await db.query(`SELECT envelope FROM outbox WHERE type = 'sales.opportunity.won' AND envelope->>'subjectId' = $1`, [
      opp.id,
    ]);
    expect(won1.envelope.data.opportunity).toMatchObject({
      amount: { amount: '1000.00', currency: 'USD' },
      status: 'WON',
      closeDate: new Date().toISOString().slice(0, 10),
    });
  });

  it('lets a rep change only their own opportunity (FORBIDDEN otherwise); managers change any; reps do not reassign', async () => {
    const opp = await opportunities.create(rep, deal({ name: 'Mine' }));
    const stages = await stagesOf(rep, opp.pipelineId);
    await expect(opportunities.update(otherRep, { id: opp.id, name: 'Stolen' })).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
    await expect(progress.moveStage(otherRep, { id: opp.id, stageId: stages[1].id })).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
    await expect(progress.close(otherRep, { id: opp.id, won: true })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await expect(opportunities.create(rep, deal({ ownerId: otherRep.id }))).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await expect(opportunities.update(rep, { id: opp.id, ownerId: otherRep.id })).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });

    const updated = await opportunities.update(rep, {
      id: opp.id,
      amount: { amount: '1234567890123.4567', currency: 'usd' },
      probability: 15,
    });
    expect(updated).toMatchObject({ amount: '1234567890123.4567', probability: 15 });
    const reassigned = await opportunities.update(manager, { id: opp.id, ownerId: otherRep.id });
    expect(reassigned.ownerId).toBe(otherRep.id);
    const [row] = await db.query(`SELECT amount::text, owner_id FROM opportunities WHERE id = $1`, [opp.id]);
    expect(row).toEqual({ amount: '1234567890123.4567', owner_id: otherRep.id });
  });

  it("edits a pipeline's stage list keeping ids stable, and refuses removing a stage that has opportunities", async () => {
    const created = await pipelines.create(manager, {
      name: 'Renewals',
      stages: [
        { name: 'Due', probability: 60, forecastCategory: 'PIPELINE' },
        { name: 'Quoted', probability: 80, forecastCategory: 'COMMIT' },
        { name: 'Renewed', probability: 100, forecastCategory: 'CLOSED_WON' },
        { name: 'Churned', probability: 0, forecastCategory: 'CLOSED_LOST' },
      ],
    });
    await expect(pipelines.create(rep, { name: 'Nope', stages: [] })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    const [due, quoted, renewed, churned] = await stagesOf(manager, created.id);
    const opp = await opportunities.create(rep, deal({ pipelineId: created.id }));
    expect(opp.stageId).toBe(due.id);

    const keep = (s: typeof due, over: Record<string, unknown> = {}) => ({
      id: s.id,
      name: s.name,
      probability: s.probability,
      forecastCategory: s.forecastCategory,
      ...over,
    });
    await pipelines.update(manager, {
      id: created.id,
      stages: [
        { name: 'Contacted', probability: 40, forecastCategory: 'PIPELINE' },
        keep(due, { name: 'Renewal due', probability: 65 }),
        keep(renewed),
        keep(churned),
      ],
    });
    const after = await stagesOf(manager, created.id);
    expect(after.map((s) => [s.name, s.position])).toEqual([
      ['Contacted', 0],
      ['Renewal due', 1],
      ['Renewed', 2],
      ['Churned', 3],
    ]);
    expect(after[1].id).toBe(due.id);
    expect((await pipelines.stagesById(manager, [quoted.id])).get(quoted.id)!.archivedAt).not.toBeNull();
    expect((await opportunities.get(rep, opp.id))!.stageId).toBe(due.id);

    await expect(
      pipelines.update(manager, { id: created.id, stages: [after[0], keep(renewed), keep(churned)].map((s) => keep(s as typeof due)) }),
    ).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', field: 'stages' },
    });
    await expect(
      pipelines.create(manager, {
        name: 'renewals',
        stages: [keep(due, { id: null }), keep(renewed, { id: null }), keep(churned, { id: null })],
      }),
    ).rejects.toMatchObject({
      extensions: { code: 'CONFLICT', field: 'name' },
    });
  });

  it('filters by status and close date, and pages by amount with keyset cursors', async () => {
    const fresh = randomUUID();
    const owner = as(['sales_rep'], fresh);
    const acct = (await sales.app.get(AccountsService).create(owner, { name: 'Filter Co' })).id;
    for (const [amount, closeDate] of [
      ['300', '2026-01-15'],
      ['100.5', '2026-02-15'],
      ['200', '2026-03-15'],
    ]) {
      await opportunities.create(owner, { name: `D${amount}`, accountId: acct, amount: { amount, currency: 'EUR' }, closeDate });
    }
    const q1 = await opportunities.list(owner, { filter: { closeDateFrom: '2026-02-01', closeDateTo: '2026-03-31', status: 'OPEN' } });
    expect(q1.edges.map((e) => e.node.closeDate)).toEqual(['2026-02-15', '2026-03-15']);
    const page1 = await opportunities.list(owner, { first: 2, orderBy: { field: 'AMOUNT', direction: 'DESC' } });
    const page2 = await opportunities.list(owner, {
      first: 2,
      after: page1.pageInfo.endCursor,
      orderBy: { field: 'AMOUNT', direction: 'DESC' },
    });
    expect([...page1.edges, ...page2.edges].map((e) => e.node.name)).toEqual(['D300', 'D200', 'D100.5']);
    expect(page1.totalCount).toBe(3);
    await expect(opportunities.list(owner, { filter: { closeDateFrom: '2026-04-01', closeDateTo: '2026-03-01' } })).rejects.toMatchObject({
      extensions: { field: 'filter.closeDateTo' },
    });
  });
});

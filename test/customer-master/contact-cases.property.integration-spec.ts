import {
  CASE_OPENED,
  CASE_REOPENED,
  CASE_RESOLVED,
  CASE_STATUS_CHANGED,
  CASE_UPDATED,
  SYSTEM_ACTOR,
  type CaseCategoryV1,
  type CaseSnapshotV1,
  type CaseStatusV1,
  type EventEnvelope,
} from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { MigrationClass, TenantDatabase } from '@rapport/persistence';
import type { ServiceDefinition } from '@rapport/service-kit';
import { scratchDatabase } from '@rapport/testing';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { analyticsDefinition } from '../../apps/analytics/src/analytics.definition';
import { CaseProjection as AnalyticsCases } from '../../apps/analytics/src/cases/case-projection';
import { marketingDefinition } from '../../apps/marketing/src/marketing.definition';
import { CaseProjection as MarketingCases } from '../../apps/marketing/src/read-model/case-projection';
import { deliveryArb } from './sales-history';

/**
 * Property: whatever happened to a tenant's cases (opened, recategorised or
 * moved to another contact, status changes, resolved, reopened) and however
 * the events reach a service (reordered, some twice), analytics' and
 * marketing's contact_cases end with each case's newest contact, category
 * and status, and marketing's open counts per contact follow them.
 */

interface Projection {
  definition: ServiceDefinition;
  apply(em: EntityManager, event: EventEnvelope): Promise<unknown>;
  /** Set for a projection its consumer feeds in batches: deliveries are then applied BATCH at a time, one transaction each. */
  applyBatch?(em: EntityManager, tenantId: string, events: EventEnvelope[]): Promise<unknown>;
}

/** Deliveries per batch for projections fed in batches: small, so the random histories give many run boundaries. */
const BATCH = 4;

const analyticsCases = new AnalyticsCases();
const marketingCases = new MarketingCases();

const PROJECTIONS: Record<string, Projection> = {
  analytics: { definition: analyticsDefinition, apply: (em, e) => analyticsCases.apply(em, e.tenantId, [e]) },
  marketing: { definition: marketingDefinition, apply: (em, e) => marketingCases.apply(em, e.tenantId, e) },
  // As marketing's consumers apply a service batch: one CASE run, each case row written in order, one recount (ADR 068).
  marketing_batches: {
    definition: marketingDefinition,
    apply: (em, e) => marketingCases.apply(em, e.tenantId, e),
    applyBatch: (em, tenantId, events) => marketingCases.applyMany(em, tenantId, events),
  },
};

const CONTACTS = [randomUUID(), randomUUID(), randomUUID()];
const CATEGORIES: CaseCategoryV1[] = ['QUESTION', 'COMPLAINT'];
const STATUSES: CaseStatusV1[] = ['OPEN', 'PENDING_CUSTOMER', 'RESOLVED', 'CLOSED'];

type Step =
  { kind: 'updated'; contact: number; category: number } | { kind: 'status'; status: number } | { kind: 'resolved' } | { kind: 'reopened' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('updated' as const), contact: fc.nat(CONTACTS.length - 1), category: fc.nat(1) }),
  fc.record({ kind: fc.constant('status' as const), status: fc.nat(STATUSES.length - 1) }),
  fc.constant({ kind: 'resolved' as const }),
  fc.constant({ kind: 'reopened' as const }),
);

const caseArb = fc.record({
  contact: fc.option(fc.nat(CONTACTS.length - 1), { nil: null }),
  category: fc.nat(1),
  steps: fc.array(stepArb, { maxLength: 5 }),
});

interface Expected {
  contactId: string | null;
  category: string;
  status: CaseStatusV1;
}

/** The events service would publish for these cases, in publishing order, and each case's final state. */
function publish(tenantId: string, cases: { contact: number | null; category: number; steps: Step[] }[]) {
  const events: EventEnvelope[] = [];
  const expected = new Map<string, Expected>();
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const at = () => new Date((clock += 1000)).toISOString();
  const emit = (type: string, subjectId: string, data: object) =>
    events.push({ ...newEvent({ tenantId, actor: SYSTEM_ACTOR, type, subjectId, data }), occurredAt: at() } as EventEnvelope);
  for (const c of cases) {
    const id = randomUUID();
    const state: Expected = {
      contactId: c.contact === null ? null : CONTACTS[c.contact],
      category: CATEGORIES[c.category],
      status: 'OPEN',
    };
    const snapshot = (): CaseSnapshotV1 => ({
      id,
      contactId: state.contactId,
      accountId: null,
      subject: 'Property',
      channel: 'EMAIL',
      category: state.category as CaseCategoryV1,
      priority: 'NORMAL',
      status: state.status,
      ownerId: null,
      queueId: null,
      tier: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    emit(CASE_OPENED, id, { case: snapshot() });
    for (const step of c.steps) {
      if (step.kind === 'updated') {
        state.contactId = CONTACTS[step.contact];
        state.category = CATEGORIES[step.category];
        emit(CASE_UPDATED, id, { case: snapshot(), changed: ['category'] });
      } else if (step.kind === 'status') {
        const from = state.status;
        state.status = STATUSES[step.status];
        emit(CASE_STATUS_CHANGED, id, { caseId: id, from, to: state.status });
      } else if (step.kind === 'resolved') {
        state.status = 'RESOLVED';
        emit(CASE_RESOLVED, id, { case: snapshot(), resolvedAt: events.at(-1)!.occurredAt });
      } else {
        state.status = 'OPEN';
        emit(CASE_REOPENED, id, { case: snapshot(), reopenedAt: events.at(-1)!.occurredAt });
      }
    }
    expected.set(id, { ...state });
  }
  return { events, expected };
}

const historyArb = fc
  .array(caseArb, { minLength: 1, maxLength: 3 })
  .chain((cases) => deliveryArb(cases.reduce((n, c) => n + 1 + c.steps.length, 0)).map((delivery) => ({ cases, delivery })));

const SEEDS = [20261206, Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31)];
const isOpen = (s: CaseStatusV1) => s !== 'RESOLVED' && s !== 'CLOSED';

describe.each(Object.entries(PROJECTIONS))(
  'cases per contact in %s: the newest facts, whatever the order (property)',
  (name, projection) => {
    let db: Awaited<ReturnType<typeof scratchDatabase>>;
    let tenantDb: TenantDatabase;

    beforeAll(async () => {
      db = await scratchDatabase(`cases_${name}`, projection.definition.migrations as MigrationClass[]);
      tenantDb = db.tenantDb;
    });
    afterAll(() => db?.drop());

    it.each(SEEDS)('random case histories, reordered and redelivered (seed %d)', async (seed) => {
      await fc.assert(
        fc.asyncProperty(historyArb, async ({ cases, delivery }) => {
          const tenantId = randomUUID();
          const { events, expected } = publish(tenantId, cases);
          const { applyBatch } = projection;
          if (applyBatch) {
            for (let from = 0; from < delivery.length; from += BATCH) {
              const batch = delivery.slice(from, from + BATCH).map((i) => events[i]);
              await tenantDb.withTenant(tenantId, (em) => applyBatch(em, tenantId, batch));
            }
          } else for (const i of delivery) await tenantDb.withTenant(tenantId, (em) => projection.apply(em, events[i]));
          const rows: { case_id: string; contact_id: string | null; category: string; status: CaseStatusV1; open: boolean }[] =
            await tenantDb.withTenant(tenantId, (em) => em.query(`SELECT case_id, contact_id, category, status, open FROM contact_cases`));
          const actual = new Map(rows.map((r) => [r.case_id, r]));
          for (const [id, e] of expected) {
            expect({ id, ...actual.get(id) }).toEqual({
              id,
              case_id: id,
              contact_id: e.contactId,
              category: e.category,
              status: e.status,
              open: isOpen(e.status),
            });
          }
          if (!name.startsWith('marketing')) return;
          const counts: { id: string; open_cases: number; open_complaints: number }[] = await tenantDb.withTenant(tenantId, (em) =>
            em.query(`SELECT id, open_cases, open_complaints FROM contacts`),
          );
          for (const c of counts) {
            const mine = [...expected.values()].filter((e) => e.contactId === c.id && isOpen(e.status));
            expect(c).toEqual({
              id: c.id,
              open_cases: mine.length,
              open_complaints: mine.filter((e) => e.category === 'COMPLAINT').length,
            });
          }
        }),
        { numRuns: 40, seed },
      );
    });
  },
);

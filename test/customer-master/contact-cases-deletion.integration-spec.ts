import {
  CASE_DELETED,
  CASE_OPENED,
  CASE_PURGED,
  CASE_RESTORED,
  SYSTEM_ACTOR,
  type CaseSnapshotV1,
  type EventEnvelope,
} from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { MigrationClass, TenantDatabase } from '@rapport/persistence';
import type { ServiceDefinition } from '@rapport/service-kit';
import { scratchDatabase } from '@rapport/testing';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { analyticsDefinition } from '../../apps/analytics/src/analytics.definition';
import {
  CASE_EVENT_TYPES as ANALYTICS_CASE_EVENTS,
  CaseProjection as AnalyticsCases,
} from '../../apps/analytics/src/cases/case-projection';
import { marketingDefinition } from '../../apps/marketing/src/marketing.definition';
import { AnalyticsProjection } from '../../apps/marketing/src/read-model/analytics-projection';
import { CaseProjection as MarketingCases } from '../../apps/marketing/src/read-model/case-projection';
import { ContactProjection } from '../../apps/marketing/src/read-model/contact-projection';
import { READ_MODEL_EVENTS, ReadModelProjector } from '../../apps/marketing/src/read-model/read-model-projector';

/**
 * Service's case deletions in analytics' and marketing's contact_cases
 * (ADR 037): a deleted complaint stops counting as open for its contact
 * (churn signal, journeys' complaint pause, open_cases), a restore of that
 * same deletion brings it back, a stale restore or one after the purge
 * changes nothing, and a deletion that overtakes the case's opening still
 * hides it. Applied through what the live consumers call.
 */

interface Projection {
  definition: ServiceDefinition;
  eventTypes: readonly string[];
  apply(em: EntityManager, event: EventEnvelope): Promise<unknown>;
}

const marketing = new ReadModelProjector(new ContactProjection(), new MarketingCases(), new AnalyticsProjection());
const analytics = new AnalyticsCases();

const PROJECTIONS: Record<string, Projection> = {
  analytics: { definition: analyticsDefinition, eventTypes: ANALYTICS_CASE_EVENTS, apply: (em, e) => analytics.apply(em, e.tenantId, [e]) },
  marketing: { definition: marketingDefinition, eventTypes: READ_MODEL_EVENTS.SERVICE, apply: (em, e) => marketing.apply(em, e) },
};

describe.each(Object.entries(PROJECTIONS))('case deletions in %s’s contact_cases', (name, projection) => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let tenantDb: TenantDatabase;
  const tenantId = randomUUID();
  const contactId = randomUUID();

  beforeAll(async () => {
    db = await scratchDatabase(`casedel_${name}`, projection.definition.migrations as MigrationClass[]);
    tenantDb = db.tenantDb;
  });
  afterAll(() => db?.drop());

  const apply = (event: EventEnvelope) => tenantDb.withTenant(tenantId, (em) => projection.apply(em, event));
  const opened = (caseId: string) => {
    const snapshot: CaseSnapshotV1 = {
      id: caseId,
      contactId,
      accountId: null,
      subject: 'Broken',
      channel: 'EMAIL',
      category: 'COMPLAINT',
      priority: 'NORMAL',
      status: 'OPEN',
      ownerId: null,
      queueId: null,
      tier: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    return newEvent({ type: CASE_OPENED, tenantId, actor: SYSTEM_ACTOR, subjectId: caseId, data: { case: snapshot } }) as EventEnvelope;
  };
  const deletion = (type: string, caseId: string, deletionId: string) => {
    const at = new Date().toISOString();
    const data = {
      recordType: 'CASE',
      id: caseId,
      deletionId,
      deletedAt: at,
      restorableUntil: at,
      cascadeOf: null,
      restoredAt: at,
      purgedAt: at,
    };
    return newEvent({ type, tenantId, actor: SYSTEM_ACTOR, subjectId: caseId, data }) as EventEnvelope;
  };
  const openCount = async (caseId: string): Promise<boolean | null> =>
    (
      (await tenantDb.withTenant(tenantId, (em) => em.query(`SELECT open FROM contact_cases WHERE case_id = $1`, [caseId]))) as {
        open: boolean;
      }[]
    )[0]?.open ?? null;
  const openComplaints = async (): Promise<number | null> =>
    name === 'marketing'
      ? ((
          (await tenantDb.withTenant(tenantId, (em) => em.query(`SELECT open_complaints FROM contacts WHERE id = $1`, [contactId]))) as {
            open_complaints: number;
          }[]
        )[0]?.open_complaints ?? null)
      : null;

  it('the live consumer is subscribed to the deletion events', () => {
    expect(projection.eventTypes).toEqual(expect.arrayContaining([CASE_DELETED, CASE_RESTORED, CASE_PURGED]));
  });

  it('a deleted complaint stops counting; its restore counts it again; a purge is final', async () => {
    const caseId = randomUUID();
    await apply(opened(caseId));
    expect(await openCount(caseId)).toBe(true);
    const expectComplaints = async (n: number) => {
      if (name === 'marketing') expect(await openComplaints()).toBe(n);
    };
    await expectComplaints(1);

    const first = randomUUID();
    await apply(deletion(CASE_DELETED, caseId, first));
    expect(await openCount(caseId)).toBe(false);
    await expectComplaints(0);

    await apply(deletion(CASE_RESTORED, caseId, first));
    expect(await openCount(caseId)).toBe(true);
    await expectComplaints(1);

    const second = randomUUID();
    await apply(deletion(CASE_DELETED, caseId, second));
    // A redelivered restore of the first deletion does not revive the second.
    await apply(deletion(CASE_RESTORED, caseId, first));
    expect(await openCount(caseId)).toBe(false);
    await apply(deletion(CASE_PURGED, caseId, second));
    await apply(deletion(CASE_RESTORED, caseId, second));
    expect(await openCount(caseId)).toBe(false);
    // A replayed opening after the purge does not bring it back either.
    await apply(opened(caseId));
    expect(await openCount(caseId)).toBe(false);
    await expectComplaints(0);
  });

  it('a deletion that arrives before the case’s opening still hides it', async () => {
    const caseId = randomUUID();
    await apply(deletion(CASE_DELETED, caseId, randomUUID()));
    await apply(opened(caseId));
    expect(await openCount(caseId)).toBe(false);
  });
});

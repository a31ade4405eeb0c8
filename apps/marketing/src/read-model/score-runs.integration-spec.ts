import { randomUUID } from 'node:crypto';
import {
  CUSTOMER_CHURN_RISK_CHANGED,
  CUSTOMER_TIER_CHANGED,
  CUSTOMER_VALUE_CHANGED,
  SYSTEM_ACTOR,
  type ChurnBand,
  type EventEnvelope,
} from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { ServiceDatabase, type StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import fc from 'fast-check';
import { MarketingAppModule } from '../app.module';
import { marketingDefinition } from '../marketing.definition';
import { ReadModelProjector } from './read-model-projector';
import { applyScoreRun } from './score-runs';

/** Instants a minute apart: few of them, so ties and older events after newer ones are common. */
const at = (minute: number) => new Date(Date.UTC(2026, 11, 7, 3, minute));

type Score = { kind: 'TIER' | 'CHURN' | 'VALUE' | 'VALUE_CLEARED'; contact: number; minute: number; figure: number };

/**
 * A run of tier, churn and value events applied set-based (one write per
 * contact) leaves the rows, and reports the events applied, exactly as the
 * projector applying them one by one does — from rows that already hold
 * figures of other instants, whatever the order and the ties.
 */
describe('marketing read model: a run of value scores equals its events one by one', () => {
  let marketing: StartedService;
  let db: ServiceDatabase;
  let projector: ReadModelProjector;

  beforeAll(async () => {
    marketing = await startService(MarketingAppModule, marketingDefinition);
    db = marketing.app.get(ServiceDatabase);
    projector = marketing.app.get(ReadModelProjector);
  });

  afterAll(() => marketing?.close());

  const contacts = [randomUUID(), randomUUID(), randomUUID()];
  const bands: ChurnBand[] = ['LOW', 'MEDIUM', 'HIGH'];

  function eventOf(tenantId: string, { kind, contact, minute, figure }: Score): EventEnvelope {
    const contactId = contacts[contact];
    const clv = { amount: `${100 + figure}.00`, currency: 'EUR' };
    const base = { tenantId, actor: SYSTEM_ACTOR, subjectId: contactId, occurredAt: at(minute) };
    switch (kind) {
      case 'TIER':
        return newEvent({ ...base, type: CUSTOMER_TIER_CHANGED, data: { contactId, previousTier: null, tier: `tier-${figure}`, clv } });
      case 'CHURN':
        return newEvent({
          ...base,
          type: CUSTOMER_CHURN_RISK_CHANGED,
          data: {
            contactId,
            previousBand: null,
            band: bands[figure % 3],
            churnRisk: figure / 10,
            pAlive: 1 - figure / 10,
            openComplaints: 0,
            activityTrend: null,
          },
        });
      default: {
        const cleared = kind === 'VALUE_CLEARED';
        return newEvent({
          ...base,
          type: CUSTOMER_VALUE_CHANGED,
          data: {
            contactId,
            clv: cleared ? null : clv,
            tier: cleared ? null : `tier-${figure}`,
            churnBand: cleared ? null : bands[figure % 3],
            churnRisk: cleared ? null : figure / 10,
            pAlive: cleared ? null : 1 - figure / 10,
            asOf: at(minute).toISOString(),
          },
        });
      }
    }
  }

  const rowsOf = (tenantId: string) =>
    db.withTenant(tenantId, (em) =>
      em.query(
        `SELECT id, tier, clv::text, clv_currency, tier_changed_at, churn_band, churn_risk, churn_changed_at FROM contacts
          WHERE tenant_id = $1 ORDER BY id`,
        [tenantId],
      ),
    );

  const score = fc.record({
    kind: fc.constantFrom<Score['kind']>('TIER', 'CHURN', 'VALUE', 'VALUE_CLEARED'),
    contact: fc.integer({ min: 0, max: contacts.length - 1 }),
    minute: fc.integer({ min: 0, max: 3 }),
    figure: fc.integer({ min: 0, max: 9 }),
  });

  it('writes the rows and reports the applied events as one by one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(score, { maxLength: 6 }), fc.array(score, { minLength: 1, maxLength: 12 }), async (before, run) => {
        const [batched, oneByOne] = [randomUUID(), randomUUID()];
        // Both tenants start from the same rows, written one by one.
        for (const tenantId of [batched, oneByOne])
          await db.withTenant(tenantId, async (em) => {
            for (const s of before) await projector.apply(em, eventOf(tenantId, s));
          });
        const appliedInRun = await db.withTenant(batched, (em) =>
          applyScoreRun(
            em,
            batched,
            run.map((s) => eventOf(batched, s)),
          ),
        );
        const appliedOneByOne = await db.withTenant(oneByOne, async (em) => {
          const applied: (string | null)[] = [];
          for (const s of run) applied.push((await projector.apply(em, eventOf(oneByOne, s))).contactId);
          return applied;
        });
        expect(appliedInRun).toEqual(appliedOneByOne);
        expect(await rowsOf(batched)).toEqual(await rowsOf(oneByOne));
      }),
      { numRuns: 60 },
    );
  });
});

import { randomUUID } from 'node:crypto';
import {
  CUSTOMER_CHURN_RISK_CHANGED,
  CUSTOMER_TIER_CHANGED,
  CUSTOMER_VALUE_CHANGED,
  SYSTEM_ACTOR,
  type ChurnBand,
  type CustomerChurnRiskChangedDataV1,
  type CustomerTierChangedDataV1,
  type CustomerValueChangedDataV1,
  type EventEnvelope,
} from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { ServiceDatabase, type StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { MarketingAppModule } from '../app.module';
import { marketingDefinition } from '../marketing.definition';
import { ReadModelProjector } from './read-model-projector';

/** A scoring's instant, minutes apart. */
const at = (minute: number) => new Date(Date.UTC(2026, 11, 6, 3, minute));

/**
 * Marketing's copy of analytics' value figures (rule fields clv, tier,
 * churnBand, churnRisk) on a real database, through the projector the live
 * consumers and replay share: value events keep it current between tier
 * moves, and the newest fact wins whatever order events arrive in.
 */
describe('marketing read model: analytics value figures', () => {
  let marketing: StartedService;
  let db: ServiceDatabase;
  let projector: ReadModelProjector;
  const tenantId = randomUUID();

  beforeAll(async () => {
    marketing = await startService(MarketingAppModule, marketingDefinition);
    db = marketing.app.get(ServiceDatabase);
    projector = marketing.app.get(ReadModelProjector);
  });

  afterAll(() => marketing?.close());

  const tier = (contactId: string, minute: number, name: string, clv: string) =>
    newEvent<typeof CUSTOMER_TIER_CHANGED, CustomerTierChangedDataV1>({
      type: CUSTOMER_TIER_CHANGED,
      tenantId,
      actor: SYSTEM_ACTOR,
      subjectId: contactId,
      occurredAt: at(minute),
      data: { contactId, previousTier: null, tier: name, clv: { amount: clv, currency: 'USD' } },
    });
  const churn = (contactId: string, minute: number, band: ChurnBand, risk: number) =>
    newEvent<typeof CUSTOMER_CHURN_RISK_CHANGED, CustomerChurnRiskChangedDataV1>({
      type: CUSTOMER_CHURN_RISK_CHANGED,
      tenantId,
      actor: SYSTEM_ACTOR,
      subjectId: contactId,
      occurredAt: at(minute),
      data: { contactId, previousBand: null, band, churnRisk: risk, pAlive: 1 - risk, openComplaints: 0, activityTrend: null },
    });
  const value = (contactId: string, minute: number, figures: { tier: string; clv: string; band: ChurnBand; risk: number } | null) =>
    newEvent<typeof CUSTOMER_VALUE_CHANGED, CustomerValueChangedDataV1>({
      type: CUSTOMER_VALUE_CHANGED,
      tenantId,
      actor: SYSTEM_ACTOR,
      subjectId: contactId,
      occurredAt: at(minute),
      data: {
        contactId,
        clv: figures && { amount: figures.clv, currency: 'USD' },
        tier: figures?.tier ?? null,
        churnBand: figures?.band ?? null,
        churnRisk: figures?.risk ?? null,
        pAlive: figures && 1 - figures.risk,
        asOf: at(minute).toISOString(),
      },
    });

  const apply = (events: EventEnvelope[]) =>
    db.withTenant(tenantId, async (em) => {
      for (const e of events) await projector.apply(em, e);
    });
  const figuresOf = async (contactId: string) =>
    (
      await db.withTenant(tenantId, (em) =>
        em.query(
          `SELECT tier, clv::text, clv_currency, tier_changed_at, churn_band, churn_risk, churn_changed_at FROM contacts
            WHERE tenant_id = $1 AND id = $2`,
          [tenantId, contactId],
        ),
      )
    )[0];

  it('follows a CLV and churn-risk change that keeps the tier and band', async () => {
    const c = randomUUID();
    await apply([tier(c, 0, 'platinum', '5374.17'), churn(c, 0, 'LOW', 0.1)]);
    await apply([value(c, 1, { tier: 'platinum', clv: '5884.45', band: 'LOW', risk: 0.12 })]);
    expect(await figuresOf(c)).toMatchObject({
      tier: 'platinum',
      clv: '5884.4500',
      clv_currency: 'USD',
      churn_band: 'LOW',
      churn_risk: 0.12,
    });
  });

  it('keeps the newest fact of each group in any order, so a replay rebuilds the same row', async () => {
    // Four scorings: the first announces tier and band; the second only changed values; the third moved the band; the fourth the tier.
    const history = (c: string) => [
      tier(c, 0, 'gold', '100.00'),
      churn(c, 0, 'MEDIUM', 0.4),
      value(c, 0, { tier: 'gold', clv: '100.00', band: 'MEDIUM', risk: 0.4 }),
      value(c, 1, { tier: 'gold', clv: '150.00', band: 'MEDIUM', risk: 0.45 }),
      churn(c, 2, 'HIGH', 0.65),
      value(c, 2, { tier: 'gold', clv: '120.00', band: 'HIGH', risk: 0.65 }),
      tier(c, 3, 'silver', '90.00'),
      value(c, 3, { tier: 'silver', clv: '90.00', band: 'HIGH', risk: 0.66 }),
    ];
    const inOrder = randomUUID();
    await apply(history(inOrder));
    const expected = await figuresOf(inOrder);
    expect(expected).toMatchObject({ tier: 'silver', clv: '90.0000', churn_band: 'HIGH', churn_risk: 0.66 });
    expect(expected.tier_changed_at).toEqual(at(3));
    for (let seed = 1; seed <= 25; seed++) {
      const c = randomUUID();
      const events = shuffled(history(c), seed);
      // Redelivered events change nothing either.
      await apply([...events, ...events.slice(0, seed % events.length)]);
      expect(await figuresOf(c)).toEqual(expected);
    }
  });

  it('clears the figures of a customer analytics no longer scores; an older tier event does not bring them back', async () => {
    const c = randomUUID();
    await apply([tier(c, 0, 'gold', '100.00'), value(c, 1, null), tier(c, 0, 'gold', '100.00'), churn(c, 0, 'LOW', 0.1)]);
    expect(await figuresOf(c)).toMatchObject({ tier: null, clv: null, clv_currency: null, churn_band: null, churn_risk: null });
  });
});

/** A deterministic shuffle (Fisher–Yates over a small LCG), so a failure can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

import { CUSTOMER_CHURN_RISK_CHANGED, CUSTOMER_TIER_CHANGED, CUSTOMER_VALUE_CHANGED } from '@rapport/contracts';
import { estimateMoney, scoringEvents, valueChanges } from './clv-events';
import type { CustomerFigures, TierChange } from './clv-scoring-sql';

const asOf = new Date('2026-12-06T03:00:00.000Z');
const figures = (contactId: string, over: Partial<CustomerFigures> = {}): CustomerFigures => ({
  contactId,
  clv: 5884.449,
  currency: 'USD',
  tier: 'platinum',
  churnBand: 'LOW',
  churnRisk: 0.12,
  pAlive: 0.88,
  ...over,
});

describe('valueChanges', () => {
  it('announces a CLV change that keeps the tier, with every figure and the scoring instant', () => {
    expect(valueChanges({ figureChanges: [figures('a')], removed: [] }, [], asOf)).toEqual([
      {
        contactId: 'a',
        clv: { amount: '5884.45', currency: 'USD' },
        tier: 'platinum',
        churnBand: 'LOW',
        churnRisk: 0.12,
        pAlive: 0.88,
        asOf: '2026-12-06T03:00:00.000Z',
      },
    ]);
  });

  it('takes the tier a re-tiering gave, and announces customers it moved without rescoring them', () => {
    const moved: TierChange = { ...figures('b', { clv: 10, tier: 'gold' }), previousTier: 'platinum', tier: 'gold' };
    const rescoredAndMoved: TierChange = { ...figures('a', { tier: 'silver' }), previousTier: 'platinum', tier: 'silver' };
    const changes = valueChanges({ figureChanges: [figures('a')], removed: [] }, [rescoredAndMoved, moved], asOf);
    expect(changes.map((c) => [c.contactId, c.tier])).toEqual([
      ['a', 'silver'],
      ['b', 'gold'],
    ]);
  });

  it('clears every figure of a customer no longer scored, and leaves unchanged customers out', () => {
    expect(valueChanges({ figureChanges: [], removed: ['gone'] }, [], asOf)).toEqual([
      { contactId: 'gone', clv: null, tier: null, churnBand: null, churnRisk: null, pAlive: null, asOf: asOf.toISOString() },
    ]);
    expect(valueChanges({ figureChanges: [], removed: [] }, [], asOf)).toEqual([]);
  });
});

describe('scoringEvents', () => {
  it('publishes tier and band moves as before, and one value event per changed customer', () => {
    const tier: TierChange = { ...figures('a'), previousTier: null, tier: 'platinum' };
    const band = {
      contactId: 'a',
      previousBand: null,
      band: 'LOW' as const,
      churnRisk: 0.12,
      pAlive: 0.88,
      openComplaints: 0,
      activityTrend: null,
    };
    const values = valueChanges({ figureChanges: [figures('a'), figures('c')], removed: [] }, [tier], asOf);
    const events = scoringEvents('t', { bandChanges: [band] }, [tier], values);
    expect(events.map((e) => [e.type, e.subjectId])).toEqual([
      [CUSTOMER_TIER_CHANGED, 'a'],
      [CUSTOMER_CHURN_RISK_CHANGED, 'a'],
      [CUSTOMER_VALUE_CHANGED, 'a'],
      [CUSTOMER_VALUE_CHANGED, 'c'],
    ]);
    // The tier event and the value event of one scoring carry the same CLV.
    expect(events[0].data).toMatchObject({ clv: { amount: '5884.45' } });
    expect(events[2].data).toMatchObject({ clv: { amount: '5884.45' } });
  });
});

describe('estimateMoney', () => {
  it("shows an estimate at the currency's minor units", () => {
    expect(estimateMoney(1234.5678, 'EUR')).toEqual({ amount: '1234.57', currency: 'EUR' });
    expect(estimateMoney(1234.5678, 'JPY')).toEqual({ amount: '1235', currency: 'JPY' });
  });
});

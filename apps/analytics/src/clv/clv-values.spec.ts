import { customerLifetimeValue, expectedPurchasesConditional, probabilityAlive, purchaseModels, type PurchaseModel } from '@rapport/clv';
import { changedContacts } from '../orders/orders.service';
import { fitJobId, fitRequestKey } from './clv-scheduler';
import { DEFAULT_PERIODS, discountedPurchases, horizonUnits, scoreGroups, ScoringError } from './clv-scoring';
import { clvFor, expectedPurchasesFor, type CustomerValueView } from './clv.service';

// ANALYTICS.md's published BG/NBD parameters (CDNOW, weeks).
const params = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };

describe('scoreGroups', () => {
  it('gives each (x, t_x, T) group P(alive), expected purchases and discounted purchases', () => {
    const [g] = scoreGroups(purchaseModels.BG_NBD, params, [{ x: 2, txDays: 213, tDays: 272 }], 7);
    const customer = { x: 2, tx: 213 / 7, T: 272 / 7 };
    expect(g.p_alive).toBeCloseTo(probabilityAlive(params, customer), 12);
    expect(g.expected_purchases).toBeCloseTo(expectedPurchasesConditional(params, customer, 52), 12);
    const clv = customerLifetimeValue({
      bgNbd: params,
      customer,
      expectedSpendPerPurchase: 1,
      horizon: 52,
      annualDiscountRate: 0.1,
      daysPerUnit: 7,
    });
    expect(g.discounted).toBeCloseTo(clv.value, 12);
    expect(g.discounted).toBeLessThan(g.expected_purchases);
  });

  it('gives exactly the per-customer figures of every model, sharing the alive expectation across groups of one (x, T)', () => {
    const fitted = {
      BG_NBD: params,
      PARETO_NBD: { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 },
      MBG_NBD: { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 },
    };
    // Groups sharing x and T with different t_x (the shared part), one-time buyers, and both time units.
    const groups = [
      { x: 0, txDays: 0, tDays: 300 },
      { x: 2, txDays: 100, tDays: 300 },
      { x: 2, txDays: 250, tDays: 300 },
      { x: 7, txDays: 290, tDays: 300 },
      { x: 2, txDays: 100, tDays: 301 },
    ];
    for (const kind of ['BG_NBD', 'PARETO_NBD', 'MBG_NBD'] as const) {
      // Kind-agnostic, as the engine uses the registry (parsePurchaseModelParams pairs them there).
      const model: PurchaseModel = purchaseModels[kind];
      for (const daysPerUnit of [7, 1]) {
        const scores = scoreGroups(model, fitted[kind], groups, daysPerUnit);
        const horizon = horizonUnits(52, daysPerUnit);
        expect(scores).toEqual(
          groups.map((g) => {
            const customer = { x: g.x, tx: g.txDays / daysPerUnit, T: g.tDays / daysPerUnit };
            return {
              x: g.x,
              tx_days: g.txDays,
              t_days: g.tDays,
              p_alive: model.probabilityAlive(fitted[kind], customer),
              expected_purchases: model.expectedPurchasesConditional(fitted[kind], customer, DEFAULT_PERIODS),
              discounted: discountedPurchases(model, fitted[kind], customer, horizon, 0.1, daysPerUnit),
            };
          }),
        );
      }
    }
  });

  it('refuses to score with figures that are not finite (the fit is then marked FAILED)', () => {
    const broken = { r: 1e308, alpha: 1e-308, a: 0.5, b: 1e308 };
    expect(() => scoreGroups(purchaseModels.BG_NBD, broken, [{ x: 3, txDays: 100, tDays: 200 }], 7)).toThrow(ScoringError);
  });

  it('reproduces ANALYTICS.md for customer 1: P(alive) 0.7266 (x = 2, t_x = 30.43, T = 38.86)', () => {
    expect(probabilityAlive(params, { x: 2, tx: 30.43, T: 38.86 })).toBeCloseTo(0.7266, 3);
  });

  it('counts horizons in model units: 52 weeks is 52 weeks or 364 days', () => {
    expect(horizonUnits(52, 7)).toBe(52);
    expect(horizonUnits(52, 1)).toBe(364);
  });
});

describe('Contact.value arguments', () => {
  const view: CustomerValueView = {
    pAlive: 0.7,
    expectedAverageSpend: { amount: '40.00', currency: 'USD' },
    tier: 'gold',
    churnRisk: 0.3,
    churnBand: 'MEDIUM',
    churnSignals: { openComplaints: 0, activityTrend: null },
    clvAbsentReason: null,
    modelId: 'm',
    scoredAt: new Date(),
    asOf: '2026-01-31',
    stale: false,
    storedExpectedPurchases: 1.5,
    storedClv: 55.5,
    spend: 40,
    currency: 'USD',
    customer: { x: 2, tx: 30.43, T: 38.86 },
    purchaseModel: purchaseModels.BG_NBD,
    params,
    daysPerUnit: 7,
  };

  it('returns the stored figures at the defaults', () => {
    expect(expectedPurchasesFor(view, null)).toBe(1.5);
    expect(expectedPurchasesFor(view, 52)).toBe(1.5);
    expect(clvFor(view, null, null)).toEqual({ amount: '55.50', currency: 'USD' });
  });

  it('computes other horizons from the stored summary and the model', () => {
    expect(expectedPurchasesFor(view, 39)).toBeCloseTo(1.2259, 3);
    const value = customerLifetimeValue({
      bgNbd: params,
      customer: view.customer,
      expectedSpendPerPurchase: 40,
      horizon: 104,
      annualDiscountRate: 0.05,
      daysPerUnit: 7,
    }).value;
    expect(clvFor(view, 104, 0.05)).toEqual({ amount: value.toFixed(2), currency: 'USD' });
  });

  it('refuses nonsense arguments', () => {
    expect(() => expectedPurchasesFor(view, -1)).toThrow(/periods|whole number/);
    expect(() => clvFor(view, 1.5, null)).toThrow();
    expect(() => clvFor(view, 52, -2)).toThrow();
  });

  it('has no CLV without a spend model, at any horizon', () => {
    const noSpend = { ...view, storedClv: null, spend: null, expectedAverageSpend: null, clvAbsentReason: 'Gamma-Gamma: q <= 1' };
    expect(clvFor(noSpend, null, null)).toBeNull();
    expect(clvFor(noSpend, 104, 0.05)).toBeNull();
    expect(expectedPurchasesFor(noSpend, 39)).toBeCloseTo(1.2259, 3);
  });
});

describe('job identity and affected contacts', () => {
  it('derives the fit job id from tenant and inputs, without colons', () => {
    const inputs = { calibrationEnd: new Date('2026-01-31T00:00:00Z'), timeUnit: 'WEEKS', holdoutEnd: null, kind: 'BG_NBD', asOf: null };
    const key = fitRequestKey('t1', inputs);
    expect(fitRequestKey('t1', { ...inputs })).toBe(key);
    expect(fitRequestKey('t2', inputs)).not.toBe(key);
    expect(fitRequestKey('t1', { ...inputs, timeUnit: 'DAYS' })).not.toBe(key);
    expect(fitRequestKey('t1', { ...inputs, kind: 'PARETO_NBD' })).not.toBe(key);
    expect(fitRequestKey('t1', { ...inputs, asOf: new Date('2026-02-28T00:00:00Z') })).not.toBe(key);
    expect(fitJobId('t1', key)).not.toContain(':');
  });

  it('rescores only matched contacts whose orders were created or updated', () => {
    const r = (outcome: 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'REJECTED', contactId: string | null) => ({
      index: 0,
      source: 's',
      externalOrderId: 'e',
      outcome,
      orderId: null,
      contactId,
      guest: false,
      error: null,
    });
    expect(
      changedContacts([
        r('CREATED', 'a'),
        r('UPDATED', 'b'),
        r('CREATED', 'a'),
        r('UNCHANGED', 'c'),
        r('REJECTED', null),
        r('CREATED', null),
      ]),
    ).toEqual(['a', 'b']);
  });
});

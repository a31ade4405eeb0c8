import { cdnowSummaries } from './__tests__/cdnow-fixture';
import { expectedPurchasesConditional, fitBgNbd, probabilityAlive } from './bg-nbd';
import { groupByFrequencyRecency } from './grouping';
import {
  fitMbgNbd,
  mbgNbdExpectedPurchasesConditional,
  mbgNbdExpectedPurchasesNewCustomer,
  mbgNbdLogLikelihood,
  mbgNbdProbabilityAlive,
  type MbgNbdFitResult,
  type MbgNbdParams,
} from './mbg-nbd';

// MBG/NBD (= CBG/NBD) on the CDNOW sample as fitted by BTYDplus
// (cbgnbd.EstimateParameters, its demo script) and asserted to 3 decimals by
// lifetimes' test_params_out_is_close_to_BTYDplus: r 0.525, α 6.183,
// a 0.891, b 1.614. The paper (Batislam et al. 2007) used Turkish grocery data.
const REFERENCE: MbgNbdParams = { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };
const customer1 = { x: 2, tx: 30.43, T: 38.86 };

function expectSuccess(fit: MbgNbdFitResult) {
  if (!fit.ok) throw new Error(`fit failed: ${fit.message}`);
  return fit;
}

describe('fitMbgNbd on CDNOW (raw transactions → summary → fit)', () => {
  const grouped = groupByFrequencyRecency(cdnowSummaries());
  const fit = expectSuccess(fitMbgNbd(grouped));

  it('reproduces the BTYDplus / lifetimes parameters to 3 decimals', () => {
    expect(fit.params.r).toBeCloseTo(REFERENCE.r, 3);
    expect(fit.params.alpha).toBeCloseTo(REFERENCE.alpha, 3);
    expect(fit.params.a).toBeCloseTo(REFERENCE.a, 3);
    expect(fit.params.b).toBeCloseTo(REFERENCE.b, 3);
    expect(fit.standardErrors).not.toBeNull();
  });

  it('fits CDNOW about as well as BG/NBD (LL −9582.1 vs −9582.4 with the same number of parameters)', () => {
    const bgNbd = fitBgNbd(grouped);
    if (!bgNbd.ok) throw new Error(bgNbd.message);
    expect(fit.logLikelihood).toBeCloseTo(-9582.14, 1);
    expect(Math.abs(fit.logLikelihood - bgNbd.logLikelihood)).toBeLessThan(1);
  });

  it('rejects inconsistent rows', () => {
    expect(fitMbgNbd([{ x: -1, tx: 0, T: 4 }])).toMatchObject({ ok: false, reason: 'invalid-input' });
  });
});

// Reference values computed with mpmath (30 digits) from Batislam et al.'s (2007)
// likelihood, P(alive) and E[Y(t)] at REFERENCE.
describe('MBG/NBD formulas at the reference parameters', () => {
  it('log-likelihood per customer, weighted rows', () => {
    expect(mbgNbdLogLikelihood(REFERENCE, [customer1])).toBeCloseTo(-9.485551314533932, 10);
    expect(mbgNbdLogLikelihood(REFERENCE, [{ x: 0, tx: 0, T: 30 }])).toBeCloseTo(-0.4934369188392785, 10);
    const row = { x: 3, tx: 20.1, T: 35.6 };
    expect(mbgNbdLogLikelihood(REFERENCE, [{ ...row, weight: 3 }])).toBeCloseTo(mbgNbdLogLikelihood(REFERENCE, [row, row, row]), 10);
    expect(Number.isFinite(mbgNbdLogLikelihood(REFERENCE, [{ x: 5000, tx: 300, T: 310 }]))).toBe(true);
  });

  it('customer 1: P(alive) 0.7062 and 1.2630 purchases in 39 weeks (lifetimes asserts 1.226 ± 0.05)', () => {
    expect(mbgNbdProbabilityAlive(REFERENCE, customer1)).toBeCloseTo(0.7062022651184873, 12);
    expect(mbgNbdExpectedPurchasesConditional(REFERENCE, customer1, 39)).toBeCloseTo(1.2629606232673658, 10);
  });

  it('a one-time buyer is not certainly alive, and less so as time passes (BG/NBD says 1)', () => {
    const oneTimeBuyer = (T: number) => ({ x: 0, tx: 0, T });
    // Just after the first purchase: survived one drop-out chance, b/(a+b).
    expect(mbgNbdProbabilityAlive(REFERENCE, oneTimeBuyer(0))).toBeCloseTo(REFERENCE.b / (REFERENCE.a + REFERENCE.b), 14);
    expect(mbgNbdProbabilityAlive(REFERENCE, oneTimeBuyer(10))).toBeCloseTo(0.5222337327821047, 12);
    expect(mbgNbdProbabilityAlive(REFERENCE, oneTimeBuyer(30))).toBeCloseTo(0.4174047963816149, 12);
    expect(mbgNbdProbabilityAlive(REFERENCE, oneTimeBuyer(60))).toBeCloseTo(0.34288834067263746, 12);
    expect(mbgNbdExpectedPurchasesConditional(REFERENCE, oneTimeBuyer(30), 39)).toBeCloseTo(0.19963084318959462, 10);
    expect(probabilityAlive({ r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 }, oneTimeBuyer(60))).toBe(1);
  });

  it('a new customer: b/(a−1)·[1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))]', () => {
    // mpmath: 0.0530848 (1 week), 1.0340421 (31.86 weeks), 1.8047576 (78 weeks).
    expect(mbgNbdExpectedPurchasesNewCustomer(REFERENCE, 1)).toBeCloseTo(0.053084795263702, 12);
    expect(mbgNbdExpectedPurchasesNewCustomer(REFERENCE, 31.8571)).toBeCloseTo(1.03404210002868, 12);
    expect(mbgNbdExpectedPurchasesNewCustomer(REFERENCE, 78)).toBeCloseTo(1.80475757755315, 12);
  });

  it('handles heavy buyers and the removable singularity at a = 1', () => {
    expect(mbgNbdExpectedPurchasesConditional(REFERENCE, { x: 400, tx: 38.86, T: 38.86 }, 39)).toBeCloseTo(258.2193207900403, 8);
    const at = (a: number) => mbgNbdExpectedPurchasesConditional({ ...REFERENCE, a }, customer1, 39);
    expect(at(1)).toBeCloseTo((at(1 - 1e-3) + at(1 + 1e-3)) / 2, 6);
  });

  it('is BG/NBD with one more drop-out chance: at x > 0 the formulas differ only by b → b+1', () => {
    // BG/NBD's P(alive) uses a/(b+x−1); MBG/NBD's a/(b+x): same value with b shifted by one.
    const bg = { r: 0.3, alpha: 5, a: 0.8, b: 3.4 };
    expect(mbgNbdProbabilityAlive(bg, customer1)).toBeCloseTo(probabilityAlive({ ...bg, b: bg.b + 1 }, customer1), 14);
    expect(mbgNbdExpectedPurchasesConditional(bg, customer1, 39)).toBeCloseTo(
      expectedPurchasesConditional({ ...bg, b: bg.b + 1 }, customer1, 39),
      12,
    );
  });
});

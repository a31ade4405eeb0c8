import { cdnowSummaries } from './__tests__/cdnow-fixture';
import { groupByFrequencyRecency } from './grouping';
import { isPurchaseModelKind, parsePurchaseModelParams, PURCHASE_MODEL_KINDS, purchaseModels, type PurchaseModel } from './purchase-models';

describe('purchaseModels registry', () => {
  const rows = groupByFrequencyRecency(cdnowSummaries());

  it.each(PURCHASE_MODEL_KINDS)('%s fits, scores and round-trips its parameters through stored JSON', (kind) => {
    const model: PurchaseModel = purchaseModels[kind];
    expect(model.kind).toBe(kind);
    const fit = model.fit(rows);
    if (!fit.ok) throw new Error(fit.message);
    expect(Object.keys(fit.params)).toEqual([...model.parameterNames]);
    expect(model.logLikelihood(fit.params, rows)).toBeCloseTo(fit.logLikelihood, 6);
    const stored = JSON.parse(JSON.stringify(fit.params));
    expect(parsePurchaseModelParams(kind, stored)).toEqual(fit.params);

    const oneTimeBuyer = { x: 0, tx: 0, T: 38 };
    const pAlive = model.probabilityAlive(fit.params, oneTimeBuyer);
    expect(pAlive < 1).toBe(model.oneTimeBuyersCanChurn);
    expect(model.expectedPurchasesConditional(fit.params, oneTimeBuyer, 39)).toBeGreaterThan(0);
    expect(model.expectedPurchasesNewCustomer(fit.params, 39)).toBeGreaterThan(model.expectedPurchasesNewCustomer(fit.params, 10));
  });

  it('refuses parameters that belong to another model or are not positive numbers', () => {
    const bgNbd = { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 };
    expect(parsePurchaseModelParams('BG_NBD', bgNbd)).toEqual(bgNbd);
    expect(parsePurchaseModelParams('PARETO_NBD', bgNbd)).toBeNull();
    expect(parsePurchaseModelParams('BG_NBD', { ...bgNbd, a: -1 })).toBeNull();
    expect(parsePurchaseModelParams('BG_NBD', { ...bgNbd, extra: 1 })).toBeNull();
    expect(parsePurchaseModelParams('BG_NBD', null)).toBeNull();
    expect(isPurchaseModelKind('MBG_NBD')).toBe(true);
    expect(isPurchaseModelKind('BG/NBD')).toBe(false);
  });
});

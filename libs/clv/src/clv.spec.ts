import { expectedPurchasesConditional, type BgNbdParams } from './bg-nbd';
import { customerLifetimeValue, periodDiscountRate } from './clv';
import { conditionalExpectedAverageSpend, type GammaGammaParams } from './gamma-gamma';

const BG_NBD: BgNbdParams = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
const GAMMA_GAMMA: GammaGammaParams = { p: 6.2488, q: 3.7446, gamma: 15.4477 };
const CUSTOMER_1 = { x: 2, tx: 30.43, T: 38.86, monetaryValue: 22.35 };

describe('periodDiscountRate', () => {
  it('compounds back to the annual rate', () => {
    const weekly = periodDiscountRate(0.1, 7);
    expect(Math.pow(1 + weekly, 365.25 / 7)).toBeCloseTo(1.1, 12);
    expect(periodDiscountRate(0.1, 365.25)).toBeCloseTo(0.1, 14);
  });
});

describe('customerLifetimeValue', () => {
  const spend = conditionalExpectedAverageSpend(GAMMA_GAMMA, CUSTOMER_1);
  if (!spend.ok) throw new Error(spend.message);
  const base = {
    bgNbd: BG_NBD,
    customer: CUSTOMER_1,
    expectedSpendPerPurchase: spend.value,
    horizon: 52,
    daysPerUnit: 7,
  };

  it('without discounting, equals expected purchases × expected spend', () => {
    const result = customerLifetimeValue({ ...base, annualDiscountRate: 0 });
    const purchases = expectedPurchasesConditional(BG_NBD, CUSTOMER_1, 52);
    expect(result.expectedPurchases).toBeCloseTo(purchases, 12);
    expect(result.value).toBeCloseTo(purchases * spend.value, 9);
    expect(result.valueByPeriod).toHaveLength(52);
  });

  it('discounts each week’s expected purchases at the equivalent weekly rate', () => {
    const result = customerLifetimeValue({ ...base, annualDiscountRate: 0.1 });
    const weekly = periodDiscountRate(0.1, 7);
    let expected = 0;
    for (let k = 1; k <= 52; k++) {
      const inWeek = expectedPurchasesConditional(BG_NBD, CUSTOMER_1, k) - expectedPurchasesConditional(BG_NBD, CUSTOMER_1, k - 1);
      expected += (spend.value * inWeek) / Math.pow(1 + weekly, k);
    }
    expect(result.value).toBeCloseTo(expected, 9);
    const undiscounted = customerLifetimeValue({ ...base, annualDiscountRate: 0 }).value;
    // One year at 10 %: between full value and value discounted by a whole year.
    expect(result.value).toBeLessThan(undiscounted);
    expect(result.value).toBeGreaterThan(undiscounted / 1.1);
  });

  it('is zero over a zero horizon and rejects nonsense', () => {
    expect(customerLifetimeValue({ ...base, horizon: 0, annualDiscountRate: 0.1 }).value).toBe(0);
    expect(() => customerLifetimeValue({ ...base, horizon: 1.5, annualDiscountRate: 0.1 })).toThrow(RangeError);
    expect(() => customerLifetimeValue({ ...base, daysPerUnit: 0, annualDiscountRate: 0.1 })).toThrow(RangeError);
  });
});

import { erfc, twoProportionTest } from './uplift';

describe('uplift against control', () => {
  it('computes erfc to near double precision (values from Python math.erfc)', () => {
    const reference: [number, number][] = [
      [0.1, 0.8875370839817152],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047265],
      [2.7211, 0.00011898087065173822],
      [4, 1.541725790028002e-8],
      [6, 2.1519736712498916e-17],
    ];
    for (const [x, expected] of reference) expect(Math.abs(erfc(x) - expected) / expected).toBeLessThan(1e-12);
    expect(erfc(-1)).toBeCloseTo(2 - 0.15729920705028513, 14);
  });

  it('matches a hand-computed two-proportion z-test', () => {
    // Variant 80 of 1000, control 50 of 1000: pooled p = 130/2000 = 0.065,
    // SE = sqrt(0.065 · 0.935 · (1/1000 + 1/1000)) = 0.0110250,
    // z = 0.03 / 0.0110250 = 2.72110, p = 2 · (1 − Φ(2.72110)) = 0.0065066.
    const t = twoProportionTest({ conversions: 80, size: 1000 }, { conversions: 50, size: 1000 });
    expect(t.uplift).toBeCloseTo(0.03, 12);
    expect(t.zScore).toBeCloseTo(2.721095431170472, 10);
    expect(t.pValue).toBeCloseTo(0.006506597483637838, 12);
  });

  it('is symmetric and says nothing without data', () => {
    const worse = twoProportionTest({ conversions: 50, size: 1000 }, { conversions: 80, size: 1000 });
    expect(worse.zScore).toBeCloseTo(-2.721095431170472, 10);
    expect(worse.pValue).toBeCloseTo(0.006506597483637838, 12);
    expect(twoProportionTest({ conversions: 0, size: 0 }, { conversions: 5, size: 10 })).toEqual({
      uplift: -0.5,
      zScore: null,
      pValue: null,
    });
    expect(twoProportionTest({ conversions: 0, size: 10 }, { conversions: 0, size: 10 })).toEqual({ uplift: 0, zScore: null, pValue: 1 });
  });
});

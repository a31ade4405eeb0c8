import fc from 'fast-check';
import { seededRandom } from '@rapport/testing';
import { incrementalReturn } from './incremental-return';
import {
  decideWinner,
  differenceInterval,
  holmAdjust,
  minimumSampleSize,
  normalCdf,
  normalQuantile,
  type ExperimentDesign,
} from './significance';

function binomial(random: () => number, n: number, p: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) if (random() < p) x++;
  return x;
}

describe('normal distribution', () => {
  it('inverts Φ to near double precision (values from Python statistics.NormalDist)', () => {
    const reference: [number, number][] = [
      [0.975, 1.9599639845400536],
      [0.995, 2.5758293035489],
      [0.8, 0.8416212335729144],
      [0.001, -3.090232306167813],
      [1e-10, -6.361340902404056],
      [0.5, 0],
    ];
    for (const [p, z] of reference) expect(normalQuantile(p)).toBeCloseTo(z, 12);
    expect(normalCdf(1.9599639845400536)).toBeCloseTo(0.975, 14);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(Number.isNaN(normalQuantile(1.5))).toBe(true);
  });
});

describe('confidence interval and Holm–Bonferroni', () => {
  it('gives the Wald interval of a difference of rates', () => {
    // 80/1000 vs 50/1000: SE = √(0.08·0.92/1000 + 0.05·0.95/1000) = 0.0110045, ±1.959964·SE = ±0.0215684.
    const ci = differenceInterval({ conversions: 80, size: 1000 }, { conversions: 50, size: 1000 }, 0.95);
    expect(ci?.low).toBeCloseTo(0.03 - 0.021568, 5);
    expect(ci?.high).toBeCloseTo(0.03 + 0.021568, 5);
    expect(differenceInterval({ conversions: 0, size: 0 }, { conversions: 1, size: 2 }, 0.95)).toBeNull();
  });

  it('adjusts p-values step-down, monotone and capped at 1, in the order given', () => {
    // Sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → max so far 0.06.
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((x, i) => expect(adjusted[i]).toBeCloseTo(x, 15));
    expect(holmAdjust([0.6, null, 0.5])).toEqual([1, 1, 1]);
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 12 }), (ps) => {
        const adj = holmAdjust(ps);
        ps.forEach((p, i) => {
          expect(adj[i]).toBeGreaterThanOrEqual(p);
          expect(adj[i]).toBeLessThanOrEqual(1);
        });
        // Monotone: a smaller raw p-value never gets a larger adjusted one.
        ps.forEach((p, i) => ps.forEach((q, j) => p < q && expect(adj[i]).toBeLessThanOrEqual(adj[j])));
      }),
      { seed: 16, numRuns: 200 },
    );
  });
});

describe('minimum sample size', () => {
  it('matches the textbook two-proportion power calculation (Fleiss, no continuity correction)', () => {
    // 10 % → 12 %, α 0.05 two-sided, power 0.8: 3,840.85 → 3,841 per group.
    expect(minimumSampleSize({ baseline: 0.1, effect: 0.02, alpha: 0.05, power: 0.8, comparisons: 1 })).toBe(3841);
    // 5 % → 6 %, power 0.9: 10,920.39 → 10,921.
    expect(minimumSampleSize({ baseline: 0.05, effect: 0.01, alpha: 0.05, power: 0.9, comparisons: 1 })).toBe(10921);
    // Three comparisons split α: 10 % → 40 % needs 42.23 → 43.
    expect(minimumSampleSize({ baseline: 0.1, effect: 0.3, alpha: 0.05, power: 0.8, comparisons: 3 })).toBe(43);
    // Near 100 % the effect is looked for downwards.
    expect(minimumSampleSize({ baseline: 0.99, effect: 0.05, alpha: 0.05, power: 0.8, comparisons: 1 })).toBeGreaterThan(2);
  });
});

describe('the winner of an A/B test', () => {
  const design: ExperimentDesign = { alpha: 0.05, power: 0.8, minimumDetectableEffect: 0.3, baselineRate: null };

  it('does not call 1 conversion out of 1 a winner', () => {
    const d = decideWinner(
      [
        { key: 'A', conversions: 1, size: 1 },
        { key: 'B', conversions: 0, size: 1 },
      ],
      { conversions: 0, size: 1 },
      design,
    );
    expect(d.winner).toBeNull();
    expect(d.leading).toBe('A');
    expect(d.reasons.join('\n')).toMatch(/A has 1 of the \d+ members each group needs/);
    expect(d.reasons.join('\n')).toMatch(/A is not significantly better than B/);
  });

  it('names a clear winner, compares variants with each other and with control', () => {
    const d = decideWinner(
      [
        { key: 'A', conversions: 30, size: 60 },
        { key: 'B', conversions: 12, size: 60 },
      ],
      { conversions: 6, size: 60 },
      design,
    );
    expect(d.reasons).toEqual([]);
    expect(d.winner).toBe('A');
    expect(d.minimumSampleSize).toBe(43);
    expect(d.comparisons.map((c) => `${c.variantKey}-${c.against}`)).toEqual(['A-CONTROL', 'B-CONTROL', 'A-B']);
    const ab = d.comparisons[2];
    expect(ab.difference).toBeCloseTo(0.3, 12);
    expect(ab.adjustedPValue).toBeGreaterThanOrEqual(ab.pValue as number);
    expect(ab.significant).toBe(true);
    // B against control: 20 % vs 10 % on 60 each is not significant after adjustment.
    expect(d.comparisons[1].significant).toBe(false);
  });

  it('refuses a variant that beats control but not the other variant', () => {
    const d = decideWinner(
      [
        { key: 'A', conversions: 30, size: 60 },
        { key: 'B', conversions: 27, size: 60 },
      ],
      { conversions: 6, size: 60 },
      design,
    );
    expect(d.winner).toBeNull();
    expect(d.reasons).toEqual([expect.stringMatching(/^A is not significantly better than B/)]);
  });

  it("decides at the campaign's own alpha: the same results win at 0.1 and not at 0.01", () => {
    // 66/300 vs 45/300: p = 0.027. Both groups have the sample either alpha plans (57 and 109), so only α decides.
    const results = [{ key: 'A', conversions: 66, size: 300 }];
    const control = { conversions: 45, size: 300 };
    const at = (alpha: number) => decideWinner(results, control, { ...design, alpha, minimumDetectableEffect: 0.2 });
    const lenient = at(0.1);
    expect(lenient).toMatchObject({ winner: 'A', reasons: [] });
    expect(lenient.comparisons[0].pValue).toBeCloseTo(0.0273, 4);
    const strict = at(0.01);
    expect(strict.winner).toBeNull();
    expect(strict.minimumSampleSize).toBeLessThanOrEqual(300);
    expect(strict.reasons).toEqual(['A is not significantly better than CONTROL (adjusted p = 0.0273, α 0.01)']);
    expect(strict.comparisons[0]).toMatchObject({ significant: false, pValue: lenient.comparisons[0].pValue });
  });

  it('says why a single variant without control cannot win', () => {
    const d = decideWinner([{ key: 'A', conversions: 5, size: 10 }], null, design);
    expect(d).toMatchObject({ winner: null, reasons: ['a single variant without a control group has nothing to be tested against'] });
  });

  it('in simulated A/A tests (no real difference) calls a winner, or anything significant, no more often than α', () => {
    const runs = fc.sample(
      fc.record({
        seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        rate: fc.double({ min: 0.02, max: 0.3, noNaN: true }),
        size: fc.integer({ min: 400, max: 1500 }),
      }),
      { seed: 20261206, numRuns: 2000 },
    );
    // MDE large enough that the planned sample is always reached: only the significance test decides.
    const aa: ExperimentDesign = { alpha: 0.05, power: 0.8, minimumDetectableEffect: 0.25, baselineRate: null };
    let winners = 0;
    let anySignificant = 0;
    let rawFirst = 0;
    for (const run of runs) {
      const random = seededRandom(run.seed);
      const draw = () => binomial(random, run.size, run.rate);
      const d = decideWinner(
        [
          { key: 'A', conversions: draw(), size: run.size },
          { key: 'B', conversions: draw(), size: run.size },
        ],
        { conversions: draw(), size: run.size },
        aa,
      );
      if (d.minimumSampleSize === null || d.minimumSampleSize > run.size) throw new Error('the plan should be met in this simulation');
      if (d.winner) winners++;
      if (d.comparisons.some((c) => c.significant)) anySignificant++;
      if ((d.comparisons[0].pValue ?? 1) <= aa.alpha) rawFirst++;
    }
    const n = runs.length;
    const slack = 3 * Math.sqrt((aa.alpha * (1 - aa.alpha)) / n);
    expect(winners / n).toBeLessThanOrEqual(aa.alpha + slack);
    // Holm keeps the family-wise error rate at α.
    expect(anySignificant / n).toBeLessThanOrEqual(aa.alpha + slack);
    // One unadjusted comparison is rejected about α of the time: the test is calibrated, not merely timid.
    expect(rawFirst / n).toBeGreaterThan(aa.alpha - slack);
    expect(rawFirst / n).toBeLessThan(aa.alpha + slack);
  });

  it('finds a real effect of the planned size most of the time at the planned sample size', () => {
    const plan: ExperimentDesign = { alpha: 0.05, power: 0.8, minimumDetectableEffect: 0.05, baselineRate: 0.1 };
    const n = minimumSampleSize({ baseline: 0.1, effect: 0.05, alpha: 0.05, power: 0.8, comparisons: 3 });
    const random = seededRandom(42);
    let found = 0;
    const runs = 300;
    for (let i = 0; i < runs; i++) {
      const d = decideWinner(
        [
          { key: 'A', conversions: binomial(random, n, 0.15), size: n },
          { key: 'B', conversions: binomial(random, n, 0.1), size: n },
        ],
        { conversions: binomial(random, n, 0.1), size: n },
        plan,
      );
      if (d.winner === 'A') found++;
    }
    // Each of A's two comparisons has power 0.8 at α/3; both must succeed, so somewhat below 0.8.
    expect(found / runs).toBeGreaterThan(0.6);
  });
});

describe('incremental return', () => {
  it('counts revenue above the control rate, with an interval and ROI on cost', () => {
    // Control: 100 members, 10 × 40.00 = 400.00 → 4.00 per member. Variant: 100 members, 20 × 40.00 = 800.00.
    const r = incrementalReturn(
      { size: 100, revenue: '800.00', sumOfSquares: 20 * 1600 },
      { size: 100, revenue: '400.00', sumOfSquares: 10 * 1600 },
      '5.00',
      'EUR',
      0.95,
    );
    expect(r?.revenue).toBe('400.00');
    // var_v = (32000 − 100·64)/99 = 258.586, var_c = (16000 − 1600)/99 = 145.455; SE = 100·√(4.04040) = 201.008.
    expect(Number(r?.low)).toBeCloseTo(400 - 1.959964 * 201.008, 1);
    expect(Number(r?.high)).toBeCloseTo(400 + 1.959964 * 201.008, 1);
    expect(r?.roi).toBeCloseTo((400 - 5) / 5, 12);
    expect(r?.roiLow).toBeCloseTo((Number(r?.low) - 5) / 5, 10);
    // A group that converts worse than control has negative incremental revenue, whatever its gross revenue.
    const worse = incrementalReturn(
      { size: 100, revenue: '200.00', sumOfSquares: 5 * 1600 },
      { size: 50, revenue: '200.00', sumOfSquares: 5 * 1600 },
      '0',
      'EUR',
      0.95,
    );
    expect(worse?.revenue).toBe('-200.00');
    expect(worse?.roi).toBeNull();
    expect(
      incrementalReturn({ size: 0, revenue: '0', sumOfSquares: 0 }, { size: 5, revenue: '1', sumOfSquares: 1 }, '0', 'EUR', 0.95),
    ).toBeNull();
  });
});

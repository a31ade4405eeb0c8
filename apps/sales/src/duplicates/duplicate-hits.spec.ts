import { seededRandom } from '@rapport/testing';
import { DEFAULT_DUPLICATE_RULES, type DuplicateRuleConfig, type DuplicateRuleType } from './duplicate-rules';
import { DuplicateHits } from './duplicate-hits';

/**
 * A lookup shared by many probes (addGroup: the name rule's distinct names)
 * ranks every probe exactly as adding its ids to each probe one by one does:
 * probes with only that group, with the group and hits of their own, with
 * several groups, with excluded ids, under MAX and WEIGHTED_SUM with a
 * minimum score.
 */
describe('DuplicateHits groups', () => {
  const RULES: DuplicateRuleType[] = ['EXACT_EMAIL', 'NORMALISED_PHONE', 'FUZZY_NAME'];
  const configs: DuplicateRuleConfig[] = [
    DEFAULT_DUPLICATE_RULES,
    {
      ...DEFAULT_DUPLICATE_RULES,
      rules: [
        { type: 'FUZZY_NAME', weight: 0.5, threshold: 0.4 },
        { type: 'NORMALISED_PHONE', weight: 0.4 },
        { type: 'EXACT_EMAIL', weight: 0.7 },
      ],
      scoring: 'WEIGHTED_SUM',
      minScore: 0.45,
    },
  ];

  it.each(configs.map((c, i) => [i, c] as const))('ranks grouped hits as hits added probe by probe (config %i)', (_, config) => {
    const random = seededRandom(17);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
    const ids = Array.from({ length: 40 }, (_, i) => `0000000${i % 10}-${i < 20 ? 'a' : 'B'}-${String(i).padStart(4, '0')}`);
    const probes = Array.from({ length: 60 }, () => ({}));
    const exclude = [ids[3], ids[27]];
    const grouped = new DuplicateHits(probes, exclude);
    const single = new DuplicateHits(probes, exclude);
    for (let g = 0; g < 12; g++) {
      const members = probes.map((_, n) => n).filter(() => random() < 0.2);
      const found = ids.filter(() => random() < 0.3);
      const rule = g % 4 === 0 ? pick(RULES) : 'FUZZY_NAME';
      grouped.addGroup(members, found, rule);
      for (const n of members) for (const id of found) single.add(n, id, rule);
    }
    for (let k = 0; k < 50; k++) {
      const n = Math.floor(random() * probes.length);
      const id = pick(ids);
      const rule = pick(RULES);
      grouped.add(n, id, rule);
      single.add(n, id, rule);
    }
    const expected = single.ranked(config);
    expect(grouped.ranked(config)).toEqual(expected);
    // The sample has probes ranked from one group alone, from several, and with hits of their own.
    expect(expected.filter((c) => c.length > 0).length).toBeGreaterThan(30);
    expect(expected.flat().some((c) => exclude.includes(c.contactId))).toBe(false);
  });

  it('gives the grouped hits to each probe when they are read probe by probe', () => {
    const hits = new DuplicateHits([{}, {}, {}], ['x']);
    hits.addGroup([0, 2], ['a', 'x', 'b'], 'FUZZY_NAME');
    hits.add(2, 'a', 'EXACT_EMAIL');
    expect(hits.perProbe.map((m) => Object.fromEntries([...m].map(([id, rules]) => [id, [...rules].sort()])))).toEqual([
      { a: ['FUZZY_NAME'], b: ['FUZZY_NAME'] },
      {},
      { a: ['EXACT_EMAIL', 'FUZZY_NAME'], b: ['FUZZY_NAME'] },
    ]);
  });
});

import { DEFAULT_DUPLICATE_RULES, phoneKey, rankCandidates, scoreOf, validateDuplicateRules } from './duplicate-rules';

describe('phoneKey', () => {
  it.each([
    ['+49 (0)30 555-1234', null, '+49305551234'],
    ['030 5551234', 'DE', '+49305551234'],
    ['030 5551234', '+49', '+49305551234'],
    ['0049 30 5551234', null, '+49305551234'],
    // Not a valid number (no country known, or a fictional range): its digits, + kept.
    ['030 5551234', null, '0305551234'],
    ['  +1 555.0100 ', null, '+15550100'],
  ])('%s (default %s) → %s', (input, cc, expected) => {
    expect(phoneKey(input, cc)).toBe(expected);
  });
});

describe('validateDuplicateRules', () => {
  it('fills defaults and keeps given settings', () => {
    expect(validateDuplicateRules({})).toEqual(DEFAULT_DUPLICATE_RULES);
    expect(
      validateDuplicateRules({
        rules: [{ type: 'FUZZY_NAME', weight: 0.5 }],
        policy: 'BLOCK',
        scoring: 'WEIGHTED_SUM',
        defaultCountryCode: ' +49 ',
      }),
    ).toEqual({
      rules: [{ type: 'FUZZY_NAME', weight: 0.5, threshold: 0.6 }],
      policy: 'BLOCK',
      scoring: 'WEIGHTED_SUM',
      minScore: 0,
      defaultCountryCode: '+49',
    });
  });

  it.each([
    [{ rules: [{ type: 'SOUNDEX', weight: 1 }] }, 'rules[0].type'],
    [{ rules: [{ type: 'EXACT_EMAIL', weight: 0 }] }, 'rules[0].weight'],
    [{ rules: [{ type: 'EXACT_EMAIL', weight: 1.5 }] }, 'rules[0].weight'],
    [{ rules: [{ type: 'FUZZY_NAME', weight: 1, threshold: 0 }] }, 'rules[0].threshold'],
    [{ rules: [{ type: 'EXACT_EMAIL', weight: 1, threshold: 0.5 }] }, 'rules[0].threshold'],
    [
      {
        rules: [
          { type: 'EXACT_EMAIL', weight: 1 },
          { type: 'EXACT_EMAIL', weight: 0.5 },
        ],
      },
      'rules[1].type',
    ],
    [{ policy: 'MAYBE' }, 'policy'],
    [{ scoring: 'AVG' }, 'scoring'],
    [{ minScore: 2 }, 'minScore'],
    [{ defaultCountryCode: '49' }, 'defaultCountryCode'],
  ])('refuses %j naming %s', (input, field) => {
    expect(() => validateDuplicateRules(input as never)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ field }) }),
    );
  });
});

describe('scoreOf', () => {
  const config = validateDuplicateRules({
    rules: [
      { type: 'EXACT_EMAIL', weight: 0.7 },
      { type: 'NORMALISED_PHONE', weight: 0.5 },
    ],
  });
  it('takes the largest weight under MAX and the capped sum under WEIGHTED_SUM', () => {
    expect(scoreOf(config, ['EXACT_EMAIL', 'NORMALISED_PHONE'])).toBe(0.7);
    expect(scoreOf({ ...config, scoring: 'WEIGHTED_SUM' }, ['EXACT_EMAIL', 'NORMALISED_PHONE'])).toBe(1);
    expect(scoreOf({ ...config, scoring: 'WEIGHTED_SUM' }, ['NORMALISED_PHONE'])).toBe(0.5);
    expect(scoreOf(config, [])).toBe(0);
  });
});

describe('rankCandidates', () => {
  const config = {
    scoring: 'MAX' as const,
    minScore: 0.4,
    rules: [
      { type: 'NORMALISED_PHONE', weight: 0.5 },
      { type: 'EXACT_EMAIL', weight: 0.9 },
      { type: 'FUZZY_NAME', weight: 0.3 },
    ],
  };

  it('scores each candidate with its rules strongest first, drops those below minScore, best first and ties by id', () => {
    const matches = new Map<string, Set<string>>([
      ['c', new Set(['NORMALISED_PHONE'])],
      ['b', new Set(['FUZZY_NAME'])],
      ['a', new Set(['NORMALISED_PHONE'])],
      ['d', new Set(['FUZZY_NAME', 'EXACT_EMAIL'])],
    ]);
    expect(rankCandidates(config, matches)).toEqual([
      { id: 'd', score: 0.9, rule: 'EXACT_EMAIL', rules: ['EXACT_EMAIL', 'FUZZY_NAME'] },
      { id: 'a', score: 0.5, rule: 'NORMALISED_PHONE', rules: ['NORMALISED_PHONE'] },
      { id: 'c', score: 0.5, rule: 'NORMALISED_PHONE', rules: ['NORMALISED_PHONE'] },
    ]);
  });

  it('orders ties by id as localeCompare does, and scores each candidate by its own rules', () => {
    const ids = ['b-1', 'B-1', 'a-10', 'a-9', 'a_9', 'A9', '0f', '0F', 'éa', 'ea', 'z', '10', '9'];
    const matches = new Map<string, Set<string>>(ids.map((id, i) => [id, new Set(i % 3 === 0 ? ['EXACT_EMAIL'] : ['NORMALISED_PHONE'])]));
    matches.set('a-9', new Set(['NORMALISED_PHONE', 'EXACT_EMAIL']));
    const ranked = rankCandidates({ ...config, scoring: 'WEIGHTED_SUM' }, matches);
    const score = (id: string) => (matches.get(id)?.has('EXACT_EMAIL') ? 0.9 : 0) + (matches.get(id)?.has('NORMALISED_PHONE') ? 0.5 : 0);
    const expected = [...ids].sort((a, b) => Math.min(1, score(b)) - Math.min(1, score(a)) || a.localeCompare(b));
    expect(ranked.map((c) => c.id)).toEqual(expected);
    expect(ranked[0]).toEqual({ id: 'a-9', score: 1, rule: 'EXACT_EMAIL', rules: ['EXACT_EMAIL', 'NORMALISED_PHONE'] });
  });
});

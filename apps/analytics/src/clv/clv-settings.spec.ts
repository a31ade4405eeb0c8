import { DEFAULT_CLV_TIERS, tierBounds, validateTiers } from './clv-settings';

describe('CLV tiers and bands', () => {
  it('turns tier shares into cumulative bounds, the last one closing at 1', () => {
    expect(tierBounds(DEFAULT_CLV_TIERS)).toEqual([
      { ordinal: 0, name: 'platinum', upper: 0.05 },
      { ordinal: 1, name: 'gold', upper: 0.2 },
      { ordinal: 2, name: 'silver', upper: 0.5 },
      { ordinal: 3, name: 'bronze', upper: 1 },
    ]);
  });

  it('validates a tenant scheme, naming the field', () => {
    expect(
      validateTiers('t', [
        { name: ' VIP ', share: 0.1 },
        { name: 'rest', share: 0.9 },
      ]),
    ).toEqual([
      { name: 'vip', share: 0.1 },
      { name: 'rest', share: 0.9 },
    ]);
    const fieldOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as { extensions: { field: string } }).extensions.field;
      }
      return null;
    };
    expect(fieldOf(() => validateTiers('t', []))).toBe('t');
    expect(
      fieldOf(() =>
        validateTiers('t', [
          { name: 'a', share: 0.5 },
          { name: 'A', share: 0.5 },
        ]),
      ),
    ).toBe('t[1].name');
    expect(
      fieldOf(() =>
        validateTiers('t', [
          { name: 'a', share: 0 },
          { name: 'b', share: 1 },
        ]),
      ),
    ).toBe('t[0].share');
    expect(
      fieldOf(() =>
        validateTiers('t', [
          { name: 'a', share: 0.5 },
          { name: 'b', share: 0.4 },
        ]),
      ),
    ).toBe('t');
  });
});

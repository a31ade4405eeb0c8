import { attemptsAllowed, budgetMs, DEFAULT_RETRY, retryDelay } from './retry-policy';

describe('retry policy', () => {
  it('rides out a 10-minute outage with room to spare before parking (about an hour)', () => {
    expect(budgetMs(DEFAULT_RETRY)).toBeGreaterThan(50 * 60_000);
    expect(budgetMs(DEFAULT_RETRY)).toBeLessThan(70 * 60_000);
    expect(attemptsAllowed(DEFAULT_RETRY)).toBe(13);
  });

  it('gives the delay after each failed delivery and null after the last allowed one', () => {
    const policy = { delaysMs: [100, 200] };
    expect(retryDelay(policy, 1)).toBe(100);
    expect(retryDelay(policy, 2)).toBe(200);
    expect(retryDelay(policy, 3)).toBeNull();
    expect(retryDelay(policy, 7)).toBeNull();
    expect(retryDelay({ delaysMs: [] }, 1)).toBeNull();
  });
});

import { accountEmailJobId, accountEmailRetryDelayMs } from './account-email-queue';

describe('account email retries', () => {
  it('doubles the wait from the base per retry, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => accountEmailRetryDelayMs(5_000, 60_000, n))).toEqual([
      5_000, 10_000, 20_000, 40_000, 60_000, 60_000,
    ]);
  });

  it('gives one link one job id, however often it is queued', () => {
    expect(accountEmailJobId('0190f5a4-7c1e-7b3a-9d2e-5f4c3b2a1908')).toBe(accountEmailJobId('0190f5a4-7c1e-7b3a-9d2e-5f4c3b2a1908'));
    expect(accountEmailJobId('a')).not.toBe(accountEmailJobId('b'));
  });
});

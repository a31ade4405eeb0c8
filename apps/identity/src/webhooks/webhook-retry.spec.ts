import { attemptsFor, retryDelayMs, type WebhookRetryPolicy } from './webhook-retry';

const DEFAULT: WebhookRetryPolicy = { baseDelayMs: 10_000, maxDelayMs: 3_600_000, retryForMs: 24 * 3_600_000 };

describe('webhook retry schedule', () => {
  it('grows exponentially up to the cap, each wait between half and all of its step', () => {
    expect(retryDelayMs(DEFAULT, 1, () => 0)).toBe(5_000);
    expect(retryDelayMs(DEFAULT, 1, () => 1)).toBe(10_000);
    expect(retryDelayMs(DEFAULT, 4, () => 1)).toBe(80_000);
    expect(retryDelayMs(DEFAULT, 30, () => 1)).toBe(3_600_000);
    expect(retryDelayMs(DEFAULT, 30, () => 0)).toBe(1_800_000);
  });

  it('jitters: two endpoints failing together come back at different times', () => {
    const waits = new Set(Array.from({ length: 20 }, () => retryDelayMs(DEFAULT, 6)));
    expect(waits.size).toBeGreaterThan(10);
  });

  it('keeps trying for at least the configured time even with the shortest waits', () => {
    const attempts = attemptsFor(DEFAULT);
    let shortest = 0;
    for (let r = 1; r < attempts; r++) shortest += retryDelayMs(DEFAULT, r, () => 0);
    expect(shortest).toBeGreaterThanOrEqual(DEFAULT.retryForMs);
    // …and not needlessly longer: one retry fewer would stop short.
    expect(shortest - retryDelayMs(DEFAULT, attempts - 1, () => 0)).toBeLessThan(DEFAULT.retryForMs);
    expect(attempts).toBeGreaterThan(40);
  });
});

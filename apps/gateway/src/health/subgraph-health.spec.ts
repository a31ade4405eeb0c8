import { sharedFor } from './subgraph-health';

describe('sharedFor (the subgraph report answers a flood with one round of probes)', () => {
  it('shares one call among every caller within the window, then makes a fresh one', async () => {
    let clock = 0;
    let calls = 0;
    const report = sharedFor(
      1000,
      async () => ++calls,
      () => clock,
    );
    const flood = await Promise.all(Array.from({ length: 500 }, () => report()));
    expect(new Set(flood)).toEqual(new Set([1]));
    clock = 999;
    expect(await report()).toBe(1);
    clock = 1000;
    expect(await report()).toBe(2);
    expect(calls).toBe(2);
  });

  it('does not keep a failed call: the next caller tries again', async () => {
    let calls = 0;
    const report = sharedFor(60_000, async () => {
      calls += 1;
      if (calls === 1) throw new Error('probe failed');
      return calls;
    });
    await expect(report()).rejects.toThrow('probe failed');
    expect(await report()).toBe(2);
  });
});

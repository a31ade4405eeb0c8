import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { FRESH_ID_MS, mayStillArrive, uuidV7Time, waitForRecord, type ProjectionWait } from './projection-wait';

describe('uuidV7Time / mayStillArrive', () => {
  it('reads the millisecond timestamp of a v7 id and nothing from other versions', () => {
    const at = Date.UTC(2026, 10, 23, 9, 30);
    expect(uuidV7Time(uuidv7({ msecs: at }))).toBe(at);
    expect(uuidV7Time(uuidv4())).toBeNull();
    expect(uuidV7Time('not-a-uuid')).toBeNull();
  });

  it('treats only recently minted v7 ids as possibly on their way', () => {
    const now = Date.UTC(2026, 10, 23, 12, 0);
    expect(mayStillArrive(uuidv7({ msecs: now - 1_000 }), now)).toBe(true);
    expect(mayStillArrive(uuidv7({ msecs: now - FRESH_ID_MS - 1 }), now)).toBe(false);
    expect(mayStillArrive(uuidv7({ msecs: now + 60_000 }), now)).toBe(false); // "from the future": forged or broken clock
    expect(mayStillArrive(uuidv4(), now)).toBe(false);
  });
});

describe('waitForRecord', () => {
  /** A fake clock: sleeping advances it, so the waits take no real time. */
  function scenario(opts: { appearsAt?: number; fresh: boolean; caughtUp: boolean; budgetMs: number }) {
    let t = 0;
    const polls: number[] = [];
    const w: ProjectionWait = {
      present: async () => {
        polls.push(t);
        return opts.appearsAt !== undefined && t >= opts.appearsAt;
      },
      mayStillArrive: () => opts.fresh,
      caughtUp: async () => opts.caughtUp,
      budgetMs: opts.budgetMs,
      now: () => t,
      sleep: async (ms) => {
        t += ms;
      },
    };
    return { run: () => waitForRecord(w), polls, elapsed: () => t };
  }

  it('finds a record that arrives within the budget', async () => {
    const s = scenario({ appearsAt: 700, fresh: true, caughtUp: true, budgetMs: 5000 });
    expect(await s.run()).toBe(true);
    expect(s.elapsed()).toBeGreaterThanOrEqual(700);
    expect(s.elapsed()).toBeLessThan(1000); // polls at most 250 ms apart
  });

  it('gives up at the budget while the record could still come', async () => {
    const s = scenario({ fresh: true, caughtUp: true, budgetMs: 2000 });
    expect(await s.run()).toBe(false);
    expect(s.elapsed()).toBe(2000);
  });

  it('refuses at once an id that cannot be new when the consumer has applied everything', async () => {
    const s = scenario({ fresh: false, caughtUp: true, budgetMs: 5000 });
    expect(await s.run()).toBe(false);
    expect([s.elapsed(), s.polls.length]).toEqual([0, 2]); // the first look and a last one after the caught-up check
  });

  it('keeps waiting for an old id while the consumer is behind', async () => {
    const s = scenario({ appearsAt: 1200, fresh: false, caughtUp: false, budgetMs: 5000 });
    expect(await s.run()).toBe(true);
  });

  it('does not wait at all with a zero budget', async () => {
    const s = scenario({ fresh: true, caughtUp: false, budgetMs: 0 });
    expect(await s.run()).toBe(false);
    expect(s.polls).toEqual([0]);
  });
});

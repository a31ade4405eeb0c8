import { pacedRecomputeStart } from './rfm-pacing';

const at = (ms: number) => new Date(Date.UTC(2026, 11, 7) + ms);

describe('pacedRecomputeStart', () => {
  it('waits three durations after a recompute when recomputes may take a quarter of the time', () => {
    expect(pacedRecomputeStart({ startedAt: at(0), finishedAt: at(2_000) }, 25)).toEqual(at(8_000));
  });

  it('waits nine durations at a tenth, and rounds the wait up to whole milliseconds', () => {
    expect(pacedRecomputeStart({ startedAt: at(0), finishedAt: at(333) }, 10)).toEqual(at(333 + 2_997));
    expect(pacedRecomputeStart({ startedAt: at(0), finishedAt: at(1) }, 30)).toEqual(at(1 + 3));
  });

  it('does not wait without an earlier recompute, or when recomputes may take all the time', () => {
    expect(pacedRecomputeStart(null, 25)).toBeNull();
    expect(pacedRecomputeStart({ startedAt: at(0), finishedAt: at(2_000) }, 100)).toBeNull();
  });

  it('treats a run whose clock went backwards as instantaneous', () => {
    expect(pacedRecomputeStart({ startedAt: at(5_000), finishedAt: at(4_000) }, 25)).toEqual(at(4_000));
  });
});

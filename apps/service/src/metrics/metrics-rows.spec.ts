import { shapeMetrics, type BacklogRow, type MetricsRow } from './metrics-rows';

const Q = '00000000-0000-4000-8000-00000000000a';
const A = '00000000-0000-4000-8000-00000000000b';

function row(over: Partial<MetricsRow>): MetricsRow {
  return {
    gq: 1,
    go: 1,
    queueId: null,
    ownerId: null,
    frCount: 0,
    frMedian: null,
    frP90: null,
    resCount: 0,
    resMedian: null,
    resP90: null,
    frMet: 0,
    frBreached: 0,
    resMet: 0,
    resBreached: 0,
    satRequests: 0,
    satResponses: 0,
    satAverage: null,
    ...over,
  };
}

describe('shapeMetrics', () => {
  it('splits overall, queue and agent rows and computes shares', () => {
    const rows = [
      row({ frCount: 3, frMedian: 30, frP90: 54.0001, frMet: 2, frBreached: 1, satRequests: 4, satResponses: 3, satAverage: 4.333333 }),
      row({ gq: 0, go: 1, queueId: Q, frMet: 1, frBreached: 1 }),
      row({ gq: 1, go: 0, ownerId: A, resMet: 0, resBreached: 2 }),
    ];
    const backlog: BacklogRow[] = [
      { gq: 1, go: 1, queueId: null, ownerId: null, status: 'OPEN', count: 2 },
      { gq: 0, go: 1, queueId: Q, ownerId: null, status: 'OPEN', count: 2 },
      { gq: 1, go: 0, queueId: null, ownerId: null, status: 'NEW', count: 1 },
    ];
    const m = shapeMetrics(rows, backlog);
    expect(m.overall.firstResponse).toEqual({ count: 3, medianMinutes: 30, p90Minutes: 54 });
    expect(m.overall.firstResponseSla).toEqual({ met: 2, breached: 1, percent: 66.67 });
    expect(m.overall.resolutionSla.percent).toBeNull();
    expect(m.overall.satisfaction).toEqual({ requests: 4, responses: 3, average: 4.33, responseRate: 75 });
    expect(m.overall.backlog).toEqual([
      { status: 'NEW', count: 0 },
      { status: 'OPEN', count: 2 },
      { status: 'PENDING_CUSTOMER', count: 0 },
    ]);
    expect(m.byQueue.map((g) => [g.queueId, g.firstResponseSla.percent, g.backlog[1].count])).toEqual([[Q, 50, 2]]);
    // The unassigned backlog shows as an agent group of its own (ownerId null), beside agent A.
    expect(m.byAgent.map((g) => [g.ownerId, g.resolutionSla.percent, g.backlog[0].count])).toEqual([
      [null, null, 1],
      [A, 0, 0],
    ]);
  });

  it('gives an empty overall group when nothing happened', () => {
    expect(shapeMetrics([], []).overall.satisfaction).toEqual({ requests: 0, responses: 0, average: null, responseRate: null });
  });
});

import type { CaseStatusV1 } from '@rapport/contracts';

/** One row of the metrics statement: the overall numbers (both grouping flags 1), a queue's (gq 0) or an agent's (go 0). */
export interface MetricsRow {
  gq: number;
  go: number;
  queueId: string | null;
  ownerId: string | null;
  frCount: number;
  frMedian: number | null;
  frP90: number | null;
  resCount: number;
  resMedian: number | null;
  resP90: number | null;
  frMet: number;
  frBreached: number;
  resMet: number;
  resBreached: number;
  satRequests: number;
  satResponses: number;
  satAverage: number | null;
}

export interface BacklogRow {
  gq: number;
  go: number;
  queueId: string | null;
  ownerId: string | null;
  status: CaseStatusV1;
  count: number;
}

export interface MetricsGroup {
  queueId: string | null;
  ownerId: string | null;
  backlog: { status: CaseStatusV1; count: number }[];
  firstResponse: { count: number; medianMinutes: number | null; p90Minutes: number | null };
  resolution: { count: number; medianMinutes: number | null; p90Minutes: number | null };
  firstResponseSla: { met: number; breached: number; percent: number | null };
  resolutionSla: { met: number; breached: number; percent: number | null };
  satisfaction: { requests: number; responses: number; average: number | null; responseRate: number | null };
}

export interface ServiceMetricsView {
  overall: MetricsGroup;
  byQueue: MetricsGroup[];
  byAgent: MetricsGroup[];
}

const round = (n: number | null, digits = 2): number | null => (n == null ? null : Math.round(n * 10 ** digits) / 10 ** digits);
const share = (part: number, whole: number): number | null => (whole === 0 ? null : round((100 * part) / whole));
const BACKLOG_ORDER: CaseStatusV1[] = ['NEW', 'OPEN', 'PENDING_CUSTOMER'];

function empty(queueId: string | null, ownerId: string | null): MetricsRow {
  return {
    gq: 0,
    go: 0,
    queueId,
    ownerId,
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
  };
}

function group(row: MetricsRow, backlog: BacklogRow[]): MetricsGroup {
  const counts = new Map(backlog.map((b) => [b.status, b.count]));
  return {
    queueId: row.queueId,
    ownerId: row.ownerId,
    backlog: BACKLOG_ORDER.map((status) => ({ status, count: counts.get(status) ?? 0 })),
    firstResponse: { count: row.frCount, medianMinutes: round(row.frMedian), p90Minutes: round(row.frP90) },
    resolution: { count: row.resCount, medianMinutes: round(row.resMedian), p90Minutes: round(row.resP90) },
    firstResponseSla: { met: row.frMet, breached: row.frBreached, percent: share(row.frMet, row.frMet + row.frBreached) },
    resolutionSla: { met: row.resMet, breached: row.resBreached, percent: share(row.resMet, row.resMet + row.resBreached) },
    satisfaction: {
      requests: row.satRequests,
      responses: row.satResponses,
      average: round(row.satAverage),
      responseRate: share(row.satResponses, row.satRequests),
    },
  };
}

/**
 * Shapes the grouping-sets rows of the metrics and backlog statements into
 * overall / by queue / by agent (a queue or agent with only backlog still
 * appears). Percentages are 0–100, rounded to two decimals; null without a
 * denominator.
 */
export function shapeMetrics(rows: MetricsRow[], backlog: BacklogRow[]): ServiceMetricsView {
  const key = (queueId: string | null, ownerId: string | null) => `${queueId ?? '-'}/${ownerId ?? '-'}`;
  const sets = { overall: new Map<string, MetricsRow>(), queue: new Map<string, MetricsRow>(), agent: new Map<string, MetricsRow>() };
  const setOf = (r: { gq: number; go: number }) => (r.gq === 1 && r.go === 1 ? sets.overall : r.gq === 0 ? sets.queue : sets.agent);
  for (const r of rows) setOf(r).set(key(r.queueId, r.ownerId), r);
  for (const b of backlog) {
    const set = setOf(b);
    const k = key(b.queueId, b.ownerId);
    if (!set.has(k)) set.set(k, empty(b.queueId, b.ownerId));
  }
  const backlogOf = (set: Map<string, MetricsRow>, k: string) => backlog.filter((b) => setOf(b) === set && key(b.queueId, b.ownerId) === k);
  const shape = (set: Map<string, MetricsRow>) =>
    [...set.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, r]) => group(r, backlogOf(set, k)));
  return {
    overall: shape(sets.overall)[0] ?? group(empty(null, null), []),
    byQueue: shape(sets.queue),
    byAgent: shape(sets.agent),
  };
}

import { slaTargets, type SlaFacts, type SlaState } from './sla-state';

/*
 * The case list filters and sorts by SLA. The states come from slaTargets
 * (the truth shown on each case); the SQL below is the same decision written
 * for the database, so a filter or an order never disagrees with what the
 * case shows. Both read the clock at one instant (`:slaNow`), passed in, so
 * a page's cursors are computed exactly as its rows were ordered.
 */

export const SLA_STATES: readonly SlaState[] = ['OK', 'WARNING', 'BREACHED', 'PAUSED', 'MET'];

/** How urgent a state is, most urgent first; a case without SLA targets comes after all. */
const RANK: Record<SlaState, number> = { BREACHED: 0, WARNING: 1, OK: 2, PAUSED: 3, MET: 4 };
const NO_TARGET_RANK = 5;

/** Sorts after any ISO instant in byte order (the key of a case with no running clock). */
const NEVER = '~';

export type CaseOrder = 'NEWEST' | 'SLA_DUE' | 'SLA_STATE';
export const CASE_ORDERS: readonly CaseOrder[] = ['NEWEST', 'SLA_DUE', 'SLA_STATE'];

interface TargetColumns {
  due: string;
  warnAt: string;
  warned: string;
  breached: string;
  stopped: string;
}

const FIRST_RESPONSE: TargetColumns = {
  due: 'c.first_response_due_at',
  warnAt: 'c.first_response_warn_at',
  warned: 'c.first_response_warned_at',
  breached: 'c.first_response_breached_at',
  stopped: 'c.first_responded_at',
};
const RESOLUTION: TargetColumns = {
  due: 'c.resolution_due_at',
  warnAt: 'c.resolution_warn_at',
  warned: 'c.resolution_warned_at',
  breached: 'c.resolution_breached_at',
  stopped: 'coalesce(c.resolved_at, c.closed_at)',
};

/** One target's state as of :slaNow, or NULL when the case has no such target (slaTargets in SQL). */
function targetStateSql(t: TargetColumns): string {
  const reading = `coalesce(${t.stopped}, c.paused_at, CAST(:slaNow AS timestamptz))`;
  return `(CASE WHEN c.sla_calendar IS NULL OR ${t.due} IS NULL THEN NULL
    WHEN ${t.breached} IS NOT NULL OR ${reading} >= ${t.due} THEN 'BREACHED'
    WHEN ${t.stopped} IS NOT NULL THEN 'MET'
    WHEN c.paused_at IS NOT NULL THEN 'PAUSED'
    WHEN ${t.warned} IS NOT NULL OR (${t.warnAt} IS NOT NULL AND ${reading} >= ${t.warnAt}) THEN 'WARNING'
    ELSE 'OK' END)`;
}

const rankSql = (state: string) =>
  `(CASE ${state} ${Object.entries(RANK)
    .map(([s, r]) => `WHEN '${s}' THEN ${r}`)
    .join(' ')} ELSE ${NO_TARGET_RANK} END)`;

/** The due time of the case's next clock still running (paused ones included): NULL when none runs. */
const NEXT_DUE_SQL = `(CASE WHEN c.sla_calendar IS NULL THEN NULL ELSE LEAST(
    CASE WHEN ${FIRST_RESPONSE.stopped} IS NULL THEN ${FIRST_RESPONSE.due} END,
    CASE WHEN ${RESOLUTION.stopped} IS NULL THEN ${RESOLUTION.due} END) END)`;

const isoSql = (instant: string) => `to_char(${instant} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** WHERE condition: some target of the case is in one of :slaStates as of :slaNow. */
export const SLA_STATE_FILTER_SQL = `(${targetStateSql(FIRST_RESPONSE)} = ANY(CAST(:slaStates AS text[])) OR ${targetStateSql(
  RESOLUTION,
)} = ANY(CAST(:slaStates AS text[])))`;

/** WHERE condition: the next running clock is due before :slaDueBefore. */
export const SLA_DUE_BEFORE_SQL = `${NEXT_DUE_SQL} < CAST(:slaDueBefore AS timestamptz)`;

/**
 * The sort key of an SLA order as SQL text in byte order ("C" collation):
 * the order's name, then for SLA_STATE the most urgent state's rank, then
 * the next due instant in ISO form (NEVER when no clock runs). One text
 * column keeps the one keyset paginator (sort value, id) correct in both
 * directions.
 */
export function slaSortSql(order: Exclude<CaseOrder, 'NEWEST'>): string {
  const due = `coalesce(${isoSql(NEXT_DUE_SQL)}, '${NEVER}')`;
  if (order === 'SLA_DUE') return `(('${order}:' || ${due}) COLLATE "C")`;
  const rank = `LEAST(${rankSql(targetStateSql(FIRST_RESPONSE))}, ${rankSql(targetStateSql(RESOLUTION))})`;
  return `(('${order}:' || (${rank})::text || '|' || ${due}) COLLATE "C")`;
}

/** Whether a cursor's sort value was issued under this order (keys carry the order's name, so a cursor of another order is refused, not misread). */
export function isSlaSortKey(order: Exclude<CaseOrder, 'NEWEST'>, value: string | number): boolean {
  return typeof value === 'string' && value.startsWith(`${order}:`);
}

/** The next running clock's due time, as NEXT_DUE_SQL computes it. */
export function nextDueAt(c: SlaFacts): Date | null {
  if (!c.slaCalendar) return null;
  const due = [c.firstRespondedAt ? null : c.firstResponseDueAt, (c.resolvedAt ?? c.closedAt) ? null : c.resolutionDueAt].filter(
    (d): d is Date => d !== null,
  );
  return due.length === 0 ? null : new Date(Math.min(...due.map((d) => d.getTime())));
}

/** A row's sort key, exactly as slaSortSql orders it (for its cursor). */
export function slaSortKey(order: Exclude<CaseOrder, 'NEWEST'>, c: SlaFacts, now: Date): string {
  const due = nextDueAt(c)?.toISOString() ?? NEVER;
  if (order === 'SLA_DUE') return `${order}:${due}`;
  const ranks = slaTargets(c, now).map((t) => RANK[t.state]);
  return `${order}:${Math.min(NO_TARGET_RANK, ...ranks)}|${due}`;
}

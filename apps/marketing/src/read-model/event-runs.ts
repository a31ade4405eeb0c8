import {
  CASE_DELETED,
  CASE_OPENED,
  CASE_PURGED,
  CASE_REOPENED,
  CASE_RESOLVED,
  CASE_RESTORED,
  CASE_RESYNCED,
  CASE_STATUS_CHANGED,
  CASE_UPDATED,
  CONTACT_CREATED,
  CONTACT_MERGED,
  CONTACT_UPDATED,
  CUSTOMER_CHURN_RISK_CHANGED,
  CUSTOMER_RFM_CHANGED,
  CUSTOMER_TIER_CHANGED,
  CUSTOMER_VALUE_CHANGED,
  ORDER_RECORDED,
  type EventEnvelope,
} from '@rapport/contracts';

/**
 * Events a run of which can be applied together and give the same rows as
 * applying them one by one:
 *
 * - SNAPSHOT: sales' contact snapshots (profile columns, versioned by sales'
 *   updatedAt): one upsert per run, the newest per contact winning;
 * - SCORE: analytics' figures (RFM, tier, churn, value, each versioned by its
 *   own time): one statement per kind;
 * - CASE, ORDER: each fact is written to its own row (contact_cases,
 *   contact_orders) in stream order, and the survivors' counts they change
 *   are recounted once for the run — a recount reads only the rows, so once
 *   after the last write equals once after each;
 * - MERGE: each merge in stream order, the survivors' recount once for the run.
 *
 * Everything else (unmerges, deletions, carts) is applied on its own, in
 * stream order, between the runs; and a run never crosses an event of
 * another kind, so a merge sits between what came before and after it.
 */
export type RunKind = 'SNAPSHOT' | 'SCORE' | 'CASE' | 'ORDER' | 'MERGE';

/** Service's case events: all of them only move case rows and the counts that follow them. */
export const CASE_EVENTS = [
  CASE_OPENED,
  CASE_UPDATED,
  CASE_STATUS_CHANGED,
  CASE_RESOLVED,
  CASE_REOPENED,
  CASE_DELETED,
  CASE_RESTORED,
  CASE_PURGED,
  CASE_RESYNCED,
];

const KIND_OF: Readonly<Record<string, RunKind>> = {
  [CONTACT_CREATED]: 'SNAPSHOT',
  [CONTACT_UPDATED]: 'SNAPSHOT',
  [CUSTOMER_RFM_CHANGED]: 'SCORE',
  [CUSTOMER_TIER_CHANGED]: 'SCORE',
  [CUSTOMER_CHURN_RISK_CHANGED]: 'SCORE',
  [CUSTOMER_VALUE_CHANGED]: 'SCORE',
  ...Object.fromEntries(CASE_EVENTS.map((type) => [type, 'CASE'])),
  [ORDER_RECORDED]: 'ORDER',
  [CONTACT_MERGED]: 'MERGE',
};

export type EventRun = { kind: RunKind; events: EventEnvelope[] } | { kind: 'ONE'; events: [EventEnvelope] };

/**
 * Splits a batch (stream order) into maximal runs of consecutive events of
 * one set-based kind, and single events for the rest. Concatenated, the
 * runs are the batch in its order, so an event that changes who stands for
 * whom (a merge) sits between what came before and after it.
 */
export function eventRuns(events: readonly EventEnvelope[]): EventRun[] {
  const runs: EventRun[] = [];
  for (const event of events) {
    const kind = KIND_OF[event.type];
    const last = runs[runs.length - 1];
    if (!kind) runs.push({ kind: 'ONE', events: [event] });
    else if (last && last.kind === kind) last.events.push(event);
    else runs.push({ kind, events: [event] });
  }
  return runs;
}

/**
 * Whether a batch's runs are one run of contact snapshots: such a batch
 * writes only the rows of the contacts it names (their profile columns, no
 * recount of a survivor), in one upsert that goes in id order.
 */
export function snapshotsOnly(runs: readonly EventRun[]): boolean {
  return runs.length === 1 && runs[0].kind === 'SNAPSHOT';
}

/**
 * For events of one subject each carrying a version (a time), whether each
 * is at least as new as every earlier one of its subject in the list — the
 * ones that, applied one by one, would have been applied (given the row
 * took the newest of them).
 */
export function notOutdated<T>(items: readonly T[], subject: (t: T) => string, version: (t: T) => string): boolean[] {
  const newest = new Map<string, string>();
  return items.map((item) => {
    const key = subject(item);
    const v = version(item);
    const before = newest.get(key);
    if (before !== undefined && before > v) return false;
    newest.set(key, v);
    return true;
  });
}

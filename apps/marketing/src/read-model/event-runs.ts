import {
  CONTACT_CREATED,
  CONTACT_UPDATED,
  CUSTOMER_CHURN_RISK_CHANGED,
  CUSTOMER_RFM_CHANGED,
  CUSTOMER_TIER_CHANGED,
  CUSTOMER_VALUE_CHANGED,
  type EventEnvelope,
} from '@rapport/contracts';

/**
 * Events whose effect on the read model is a "newest fact wins" write to
 * columns of one contact row, with nothing else following from it in the
 * transaction: a run of them can be applied set-based (one statement per
 * kind) and give the same rows as applying them one by one.
 *
 * - SNAPSHOT: sales' contact snapshots (profile columns, versioned by sales' updatedAt);
 * - SCORE: analytics' figures (RFM, tier, churn, value, each versioned by its own time).
 *
 * Everything else (merges, unmerges, deletions, cases, orders, carts) moves
 * contacts between survivors or recounts aggregates: it is applied on its
 * own, in stream order, between the runs.
 */
export type RunKind = 'SNAPSHOT' | 'SCORE';

const KIND_OF: Readonly<Record<string, RunKind>> = {
  [CONTACT_CREATED]: 'SNAPSHOT',
  [CONTACT_UPDATED]: 'SNAPSHOT',
  [CUSTOMER_RFM_CHANGED]: 'SCORE',
  [CUSTOMER_TIER_CHANGED]: 'SCORE',
  [CUSTOMER_CHURN_RISK_CHANGED]: 'SCORE',
  [CUSTOMER_VALUE_CHANGED]: 'SCORE',
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

import { DataSource } from 'typeorm';
import type { Platform } from './platform';

/**
 * Waits until every given request id has an audit entry in identity's log
 * and the count has stopped changing for `settleMs` (a second entry would
 * arrive within that), then returns the count per request id.
 */
export async function auditEntriesByRequest(
  platform: Platform,
  tenantId: string,
  requestIds: string[],
  { timeoutMs = 30_000, settleMs = 1_500 } = {},
): Promise<Map<string, number>> {
  const ds = platform.identity.app.get(DataSource);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let stableSince = Date.now();
  for (;;) {
    const rows: { request_id: string; n: string }[] = await ds.query(
      `SELECT request_id, count(*) AS n FROM audit_log WHERE tenant_id = $1 AND request_id = ANY($2) GROUP BY request_id`,
      [tenantId, requestIds],
    );
    const counts = new Map(rows.map((r) => [r.request_id, Number(r.n)]));
    const key = JSON.stringify([...counts.entries()].sort());
    if (key !== last) {
      last = key;
      stableSince = Date.now();
    }
    const complete = requestIds.every((id) => counts.has(id));
    if ((complete && Date.now() - stableSince >= settleMs) || Date.now() > deadline) return counts;
    await new Promise((r) => setTimeout(r, 200));
  }
}

let requestCounter = 0;

/** A request id unique to this run, sent as x-request-id and recorded on the audit entry. */
export function newRequestId(label: string): string {
  requestCounter += 1;
  return `audit-${label}-${process.pid}-${Date.now()}-${requestCounter}`.slice(0, 128);
}

/** When the tenant's last finished recompute ran (rfm_recompute_runs' started_at and finished_at). */
export interface FinishedRecompute {
  startedAt: Date;
  finishedAt: Date;
}

/**
 * The earliest a recompute asked for by new orders may start, so that such
 * recomputes take at most `sharePercent` of the time: after one that took d,
 * the next waits d × (100 − share) / share from its end. A recompute scores
 * the whole tenant and announces every customer whose cell moved, so under a
 * steady order stream recomputes run back to back and cost more than the
 * orders themselves (a 50,000-order stream over 20,000 customers: a
 * recompute every ~3 s, 0.46 rfm_changed events per order, each consumed by
 * three services). Waiting in proportion to the last duration keeps RFM as
 * fresh as the load allows: a small tenant is rescored within its delay, a
 * large one at a bounded share of the database. Null when there is nothing
 * to wait for.
 */
export function pacedRecomputeStart(last: FinishedRecompute | null, sharePercent: number): Date | null {
  if (!last || sharePercent >= 100) return null;
  const took = Math.max(0, last.finishedAt.getTime() - last.startedAt.getTime());
  return new Date(last.finishedAt.getTime() + Math.ceil((took * (100 - sharePercent)) / sharePercent));
}

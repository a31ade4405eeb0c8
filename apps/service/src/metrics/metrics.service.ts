import { Injectable } from '@nestjs/common';
import { badUserInput, forbidden, hasRole, type Principal } from '@rapport/auth';
import { ServiceDatabase, validate } from '@rapport/service-kit';
import { shapeMetrics, type BacklogRow, type MetricsRow, type ServiceMetricsView } from './metrics-rows';

const MAX_PERIOD_DAYS = 366;

/** The cases the numbers are about: the queue asked for, and for agents only their own. */
const scoped = (queue: string, owner: string) =>
  `SELECT * FROM cases WHERE (${queue}::uuid IS NULL OR queue_id = ${queue}) AND (${owner}::uuid IS NULL OR owner_id = ${owner})`;

/**
 * One statement for the period's numbers, grouped overall, by queue and by
 * agent (GROUPING SETS):
 * - response and resolution times: business minutes of each case's calendar,
 *   fixed when its clock stopped, for clocks that stopped in the period
 *   (resolutions of cases resolved or closed now); median and p90 by percentile_cont;
 * - SLA attainment among cases whose (pause-shifted) due time fell in the
 *   period: met when answered/resolved by then and never breached, breached
 *   when a breach was recorded or the answer came late; still-running clocks count neither;
 * - satisfaction: requests made in the period, answers, average rating.
 */
const METRICS_SQL = `
WITH scoped AS (${scoped('$3', '$4')}),
facts AS (
  SELECT queue_id, owner_id,
    CASE WHEN first_responded_at >= $1 AND first_responded_at < $2 THEN first_response_business_minutes END AS fr_minutes,
    CASE WHEN status IN ('RESOLVED', 'CLOSED') AND resolved_at >= $1 AND resolved_at < $2 THEN resolution_business_minutes END AS res_minutes,
    CASE WHEN first_response_due_at >= $1 AND first_response_due_at < $2 THEN
      CASE WHEN first_response_breached_at IS NOT NULL OR first_responded_at > first_response_due_at THEN false
           WHEN first_responded_at IS NOT NULL THEN true END
    END AS fr_met,
    CASE WHEN resolution_due_at >= $1 AND resolution_due_at < $2 THEN
      CASE WHEN resolution_breached_at IS NOT NULL OR (status IN ('RESOLVED', 'CLOSED') AND resolved_at > resolution_due_at) THEN false
           WHEN status IN ('RESOLVED', 'CLOSED') THEN true END
    END AS res_met,
    NULL::smallint AS rating, false AS requested, false AS answered
  FROM scoped
  UNION ALL
  SELECT s.queue_id, s.owner_id, NULL, NULL, NULL, NULL, r.rating, true, r.answered_at IS NOT NULL
    FROM satisfaction_requests r JOIN scoped s ON s.id = r.case_id
   WHERE r.requested_at >= $1 AND r.requested_at < $2
)
SELECT GROUPING(queue_id) AS gq, GROUPING(owner_id) AS go, queue_id AS "queueId", owner_id AS "ownerId",
  count(fr_minutes)::int AS "frCount",
  percentile_cont(0.5) WITHIN GROUP (ORDER BY fr_minutes) AS "frMedian",
  percentile_cont(0.9) WITHIN GROUP (ORDER BY fr_minutes) AS "frP90",
  count(res_minutes)::int AS "resCount",
  percentile_cont(0.5) WITHIN GROUP (ORDER BY res_minutes) AS "resMedian",
  percentile_cont(0.9) WITHIN GROUP (ORDER BY res_minutes) AS "resP90",
  count(*) FILTER (WHERE fr_met)::int AS "frMet",
  count(*) FILTER (WHERE NOT fr_met)::int AS "frBreached",
  count(*) FILTER (WHERE res_met)::int AS "resMet",
  count(*) FILTER (WHERE NOT res_met)::int AS "resBreached",
  count(*) FILTER (WHERE requested)::int AS "satRequests",
  count(*) FILTER (WHERE answered)::int AS "satResponses",
  avg(rating)::float8 AS "satAverage"
FROM facts
GROUP BY GROUPING SETS ((), (queue_id), (owner_id))
HAVING GROUPING(queue_id) + GROUPING(owner_id) = 2
    OR count(fr_minutes) + count(res_minutes) + count(fr_met) + count(res_met) + count(*) FILTER (WHERE requested) > 0`;

/** The open work now (not bound to the period). */
const BACKLOG_SQL = `
WITH scoped AS (${scoped('$1', '$2')})
SELECT GROUPING(queue_id) AS gq, GROUPING(owner_id) AS go, queue_id AS "queueId", owner_id AS "ownerId", status, count(*)::int AS count
  FROM scoped
 WHERE status IN ('NEW', 'OPEN', 'PENDING_CUSTOMER')
 GROUP BY GROUPING SETS ((status), (queue_id, status), (owner_id, status))`;

/** serviceMetrics: support managers and admins see everything; agents only the cases they own. */
@Injectable()
export class MetricsService {
  constructor(private readonly db: ServiceDatabase) {}

  async metrics(principal: Principal, args: { period: { from: Date; to: Date }; queueId?: string | null }): Promise<ServiceMetricsView> {
    if (principal.kind !== 'user') throw forbidden('service metrics are for the support team');
    let ownerId: string | null = null;
    if (!hasRole(principal, 'support_manager')) {
      if (!hasRole(principal, 'support_agent')) throw forbidden('requires one of the roles: support_manager, support_agent');
      ownerId = principal.id;
    }
    const { from, to } = args.period;
    if (!(from instanceof Date) || !(to instanceof Date) || to.getTime() <= from.getTime())
      throw badUserInput('period', 'to must be after from');
    if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * 86_400_000) throw badUserInput('period', `at most ${MAX_PERIOD_DAYS} days`);
    const queueId = validate.optionalUuid('queueId', args.queueId) ?? null;
    return this.db.withTenant(principal.tenantId, async (em) => {
      const rows: MetricsRow[] = await em.query(METRICS_SQL, [from, to, queueId, ownerId]);
      const backlog: BacklogRow[] = await em.query(BACKLOG_SQL, [queueId, ownerId]);
      return shapeMetrics(rows, backlog);
    });
  }
}

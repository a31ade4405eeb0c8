import { returnedRows } from '@rapport/persistence';
import { CHURN_SIGNAL_WEIGHTS } from '@rapport/clv';
import { CHURN_BAND_FLOORS, type ChurnBand } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';
import { SCORE_AND_RECORD_CHUNK_SQL, SCORE_CHUNK_SQL, type RecordedChunk } from './clv-chunk-sql';
import { DAYS_PER_UNIT, ORDER_DAYS_CTE, utcDay, type ClvTimeUnit } from './clv-summary-sql';
import type { GroupScore } from './clv-scoring';
import { tierBounds, type ClvTier } from './clv-settings';
import { whyNobodyScored } from './clv-nobody-scored';

/**
 * A tier by CLV share (as ASSIGN_TIERS_SQL picks it: the first tier, in
 * order, whose upper share reaches it, else the last), spelt out as one
 * CASE over `tiers` tiers ($7 upper shares, $14 names) rather than a
 * subquery on the bounds per customer: two subplans per row were a tenth
 * of the values statement.
 */
function tierOfShareSql(tiers: number): string {
  const whens = Array.from({ length: tiers }, (_, i) => `WHEN r.share <= ($7::float8[])[${i + 1}] + 1e-12 THEN ($14::text[])[${i + 1}]`);
  return `CASE ${whens.join(' ')} ELSE ($14::text[])[${tiers}] END`;
}

/** churnBandOf (libs/contracts) in SQL, on the risk computed below. */
const CHURN_BAND_SQL = `CASE WHEN r.churn_risk < ${CHURN_BAND_FLOORS.MEDIUM} THEN 'LOW' WHEN r.churn_risk < ${CHURN_BAND_FLOORS.HIGH} THEN 'MEDIUM' ELSE 'HIGH' END`;

/**
 * Scoring is three set-based passes over per-customer rows in temporary
 * tables (dropped at commit), then the writes in chunks — every step linear
 * in the customers, none joining customers with customers, and none relying
 * on planner statistics of the tenant's tables (a freshly loaded tenant has
 * none: this machine runs with autovacuum off, and any database lags after a
 * bulk load). The temporary tables are ANALYZEd, so what joins them is
 * planned on real counts.
 *
 * 1. SCORING_SUMMARY_SQL: one pass over the orders (ORDER_DAYS_CTE): the
 *    summary (x, t_x, T, repeat value) and the activity counts of the churn
 *    signals, numbered 1..n. (The old single statement computed the activity
 *    in a second aggregate and joined it back to the summary; without
 *    statistics that join was a nested loop of every customer against every
 *    customer's row: 23,570 customers took 3.3 minutes.)
 * 2. The distinct (x, t_x, T) are scored in libs/clv (`scoreGroups`) and
 *    stored (no index: they are hash-joined once, and building a primary key
 *    row by row doubled the cost of storing 400,000 groups).
 * 3. scoringValuesSql: summary ⋈ group scores, spend and CLV (Gamma-Gamma
 *    in SQL), churn signals and risk, the tier (full scorings: by CLV
 *    quantile over the scored customers, as ASSIGN_TIERS_SQL would give
 *    after the writes), and the stored figures before, so each chunk knows
 *    what changed without reading customer_values again.
 * 4. Per range of n, the upsert (clv-chunk-sql.ts). A full scoring's chunk
 *    statement also builds its events in SQL and writes them to the outbox
 *    (SCORE_AND_RECORD_CHUNK_SQL, ADR 055, 060); an incremental one returns
 *    the customers whose band, tier or figures changed (SCORE_CHUNK_SQL,
 *    compared exactly, as stored) and Node makes the events.
 */

/**
 * $1 tenant, $2 scoring day, $3 null (no hold-out), $4 recent days of the
 * activity trend, $5 reporting currency, $6 contact ids or null (all).
 * Grouped by the contact alone (first_day is one per contact: min() of
 * it), so the groups come straight from `marked`'s order by (contact, day)
 * instead of sorting every purchase day again by (contact, first day).
 */
export const SCORING_SUMMARY_SQL = `
WITH ${ORDER_DAYS_CTE}
INSERT INTO clv_scoring_summary (n, contact_id, x, tx_days, t_days, repeat_value, recent, earlier, earlier_span)
SELECT row_number() OVER (), s.*
  FROM (SELECT contact_id,
               (count(*) FILTER (WHERE purchase AND day <= $2::date) - 1)::int AS x,
               (max(day) FILTER (WHERE purchase AND day <= $2::date) - min(first_day))::int AS tx_days,
               ($2::date - min(first_day))::int AS t_days,
               coalesce(sum(value) FILTER (WHERE day > first_day AND day <= $2::date), 0) AS repeat_value,
               count(*) FILTER (WHERE purchase AND day > $2::date - $4::int AND day <= $2::date)::int AS recent,
               count(*) FILTER (WHERE purchase AND day <= $2::date - $4::int)::int AS earlier,
               ($2::date - $4::int - min(first_day) + 1)::int AS earlier_span
          FROM marked
         WHERE first_day <= $2::date
         GROUP BY contact_id) s`;

/**
 * $1 tenant, $2 contact ids or null, $3 p, $4 q, $5 γ (Gamma-Gamma; null:
 * refused, so spend and CLV are null), $6 full scoring (tiers computed here;
 * otherwise the stored tier is kept and ASSIGN_TIERS_SQL re-tiers after),
 * $7 the tiers' upper shares (float8[], tierBounds' order), $8 reporting currency, $9–$13 the
 * CHURN_SIGNAL_WEIGHTS (recent days, complaint factor, max complaints,
 * activity weight, min earlier purchase days).
 *
 * CHURN_SIGNAL_WEIGHTS (recent days, complaint factor, max complaints,
 * activity weight, min earlier purchase days), $14 the tiers' names (text[]).
 *
 * Open complaints come from the case projection, counted for the survivor
 * of merged contacts; churn risk = libs/clv churnRiskWithSignals (1 −
 * P(alive) when there are no signals).
 */
export const scoringValuesSql = (tiers: number) => `
WITH complaints AS (
  SELECT coalesce(ct.merged_into, k.contact_id) AS contact_id, count(*)::int AS n
    FROM contact_cases k LEFT JOIN contacts ct ON ct.tenant_id = k.tenant_id AND ct.id = k.contact_id
   WHERE k.tenant_id = $1 AND k.contact_id IS NOT NULL AND k.category = 'COMPLAINT' AND k.open
     AND ($2::uuid[] IS NULL OR coalesce(ct.merged_into, k.contact_id) = ANY($2::uuid[]))
   GROUP BY 1
),
valued AS (
  SELECT s.n, s.contact_id, s.x, s.tx_days, s.t_days, g.p_alive, g.expected_purchases, g.discounted,
         CASE WHEN s.x > 0 THEN (s.repeat_value / s.x)::float8 ELSE 0 END AS m,
         CASE WHEN s.x > 0
              THEN $3::float8 * ($5::float8 + s.x * greatest((s.repeat_value / s.x)::float8, 0)) / ($3::float8 * s.x + $4::float8 - 1)
              ELSE $3::float8 * $5::float8 / ($4::float8 - 1) END AS spend,
         coalesce(cp.n, 0) AS open_complaints,
         CASE WHEN s.earlier >= $13::int AND s.earlier_span >= $9::int
              THEN s.recent / ((s.earlier::float8 / s.earlier_span) * $9::int) END AS activity_trend
    FROM clv_scoring_summary s
    JOIN clv_scoring_groups g ON g.x = s.x AND g.tx_days = s.tx_days AND g.t_days = s.t_days
    LEFT JOIN complaints cp ON cp.contact_id = s.contact_id
),
risked AS (
  SELECT v.*, v.spend * v.discounted AS clv,
         1 - v.p_alive * power($10::float8, least(v.open_complaints, $11::int))
               * (1 - $12::float8 * greatest(0, least(1, 1 - coalesce(v.activity_trend, 1)))) AS churn_risk
    FROM valued v
),
ranked AS (
  SELECT r.*, ${CHURN_BAND_SQL} AS churn_band,
         cume_dist() OVER (PARTITION BY r.clv IS NULL ORDER BY r.clv DESC) AS share
    FROM risked r
),
tiered AS (
  SELECT r.*, o.contact_id IS NOT NULL AS existed, o.clv AS old_clv, o.currency AS old_currency, o.churn_risk AS old_churn_risk,
         o.churn_band AS old_band, o.p_alive AS old_p_alive, o.tier AS old_tier,
         CASE WHEN NOT $6::boolean THEN o.tier
              WHEN r.clv IS NOT NULL THEN ${tierOfShareSql(tiers)} END AS tier
    FROM ranked r LEFT JOIN customer_values o ON o.tenant_id = $1 AND o.contact_id = r.contact_id
)
INSERT INTO clv_scoring_values (n, contact_id, x, tx_days, t_days, m, p_alive, expected_purchases, spend, clv, churn_risk,
                                churn_band, open_complaints, activity_trend, tier, previous_band, previous_tier,
                                band_changed, tier_changed, figures_changed, existed)
SELECT t.n, t.contact_id, t.x, t.tx_days, t.t_days, t.m, t.p_alive, t.expected_purchases, t.spend, t.clv, t.churn_risk,
       t.churn_band, t.open_complaints, t.activity_trend, t.tier, t.old_band, t.old_tier,
       t.old_band IS DISTINCT FROM t.churn_band,
       t.old_tier IS DISTINCT FROM t.tier,
       NOT t.existed OR (t.old_clv, t.old_currency, t.old_churn_risk, t.old_band, t.old_p_alive)
                        IS DISTINCT FROM (t.clv, $8::text, t.churn_risk, t.churn_band, t.p_alive),
       t.existed
  FROM tiered t`;

/** Customers no longer in the population (e.g. every order cancelled): their values go. $1 tenant, $2 contact ids or null (all). */
export const REMOVE_UNSCORED_SQL = `
DELETE FROM customer_values c
 WHERE c.tenant_id = $1 AND ($2::uuid[] IS NULL OR c.contact_id = ANY($2::uuid[]))
   AND NOT EXISTS (SELECT 1 FROM clv_scoring_values s WHERE s.contact_id = c.contact_id)
RETURNING c.contact_id AS "contactId"`;

const SCORING_TABLES_SQL = [
  `CREATE TEMPORARY TABLE clv_scoring_summary (
     n int NOT NULL, contact_id uuid NOT NULL, x int NOT NULL, tx_days int NOT NULL, t_days int NOT NULL,
     repeat_value numeric NOT NULL, recent int NOT NULL, earlier int NOT NULL, earlier_span int NOT NULL
   ) ON COMMIT DROP`,
  `CREATE TEMPORARY TABLE clv_scoring_groups (
     x int NOT NULL, tx_days int NOT NULL, t_days int NOT NULL,
     p_alive float8 NOT NULL, expected_purchases float8 NOT NULL, discounted float8 NOT NULL
   ) ON COMMIT DROP`,
  `CREATE TEMPORARY TABLE clv_scoring_values (
     n int NOT NULL, contact_id uuid NOT NULL, x int NOT NULL, tx_days int NOT NULL, t_days int NOT NULL, m float8 NOT NULL,
     p_alive float8 NOT NULL, expected_purchases float8 NOT NULL, spend float8, clv float8, churn_risk float8 NOT NULL,
     churn_band text NOT NULL, open_complaints int NOT NULL, activity_trend float8, tier text,
     previous_band text, previous_tier text, band_changed boolean NOT NULL, tier_changed boolean NOT NULL,
     figures_changed boolean NOT NULL, existed boolean NOT NULL
   ) ON COMMIT DROP`,
];

/**
 * Tiers by CLV quantile over the customers with a CLV: cume_dist from the
 * top, so equal CLVs share a tier whatever the row order; a customer without
 * a CLV (no spend model) has no tier. Only rows whose tier changes are
 * written; returns them with the tier before.
 */
export const ASSIGN_TIERS_SQL = `
WITH bounds AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS b(ordinal int, name text, upper float8)),
ranked AS (
  SELECT contact_id, tier, clv, cume_dist() OVER (PARTITION BY clv IS NULL ORDER BY clv DESC) AS share
    FROM customer_values WHERE tenant_id = $1
),
assigned AS (
  SELECT r.contact_id, r.tier,
         CASE WHEN r.clv IS NOT NULL THEN
           coalesce((SELECT b.name FROM bounds b WHERE r.share <= b.upper + 1e-12 ORDER BY b.ordinal LIMIT 1),
                    (SELECT b.name FROM bounds b ORDER BY b.ordinal DESC LIMIT 1)) END AS new_tier
    FROM ranked r
)
UPDATE customer_values v SET tier = a.new_tier
  FROM assigned a
 WHERE v.tenant_id = $1 AND v.contact_id = a.contact_id AND v.tier IS DISTINCT FROM a.new_tier
RETURNING v.contact_id AS "contactId", a.tier AS "previousTier", a.new_tier AS tier, v.clv, v.currency,
          v.churn_band AS "churnBand", v.churn_risk AS "churnRisk", v.p_alive AS "pAlive"`;

export type Band = ChurnBand;

export interface BandChange {
  contactId: string;
  previousBand: Band | null;
  band: Band;
  churnRisk: number;
  pAlive: number;
  openComplaints: number;
  activityTrend: number | null;
}

/** A customer's stored figures, as a value event carries them (`tier` as it stands when read). */
export interface CustomerFigures {
  contactId: string;
  /** null without a spend model. */
  clv: number | null;
  currency: string;
  tier: string | null;
  churnBand: Band;
  churnRisk: number;
  pAlive: number;
}

/** A re-tiered customer, with its figures after the re-tiering. */
export interface TierChange extends CustomerFigures {
  previousTier: string | null;
  /** null when the customer lost its tier (its CLV became absent). */
  tier: string | null;
}

export interface ScoredCustomers {
  scored: number;
  /** Customers no longer in the population, whose values were deleted. */
  removed: string[];
  bandChanges: BandChange[];
  /** Customers whose CLV, currency, churn risk or band or P(alive) changed (with their tier after this scoring's writes). */
  figureChanges: CustomerFigures[];
}

/** What a chunk's statement returns for a changed customer (and a compact outbox row holds, ADR 060). */
export interface ChangedRow extends CustomerFigures {
  previousTier: string | null;
  previousBand: Band | null;
  openComplaints: number;
  activityTrend: number | null;
  bandChanged: boolean;
  tierChanged: boolean;
  figuresChanged: boolean;
}

/** A chunk of a scoring, as it was written: its changes are announced with it. */
export interface ScoredChunk extends ScoredCustomers {
  /** Full scorings only: tiers moved by this scoring (incremental ones re-tier afterwards, ASSIGN_TIERS_SQL). */
  tierChanges: TierChange[];
}

export interface ScoreParams {
  tenantId: string;
  modelId: string;
  timeUnit: ClvTimeUnit;
  currency: string;
  asOf: Date;
  /** null: every customer (a full scoring, which also tiers them). */
  contactIds: readonly string[] | null;
  /** null: no spend model (CLV absent). */
  gammaGamma: { p: number; q: number; gamma: number } | null;
  tiers: readonly ClvTier[];
  /** work_mem of a full scoring's transaction, in MB (default FULL_SCORING_WORK_MEM_MB). */
  workMemMb?: number;
}

export interface ScoringHooks {
  /** After the summary (done = 0) and after each chunk is written. */
  progress?: (done: number, total: number) => Promise<void>;
  /** Each chunk's changes, in its transaction, when `announce` is not given (the caller makes the events). */
  chunk?: (chunk: ScoredChunk) => Promise<void>;
  /**
   * Full scorings only: each chunk's changed customers are written to the
   * outbox by the chunk's own statement, as compact rows the relay expands
   * into their events (SCORE_AND_RECORD_CHUNK_SQL), then `announced` gets
   * its counts; `chunk` is not called. `trace` is the writer's trace
   * context, published with each event.
   */
  announce?: { trace: Record<string, string> | null; announced: (chunk: RecordedChunk) => Promise<void> };
}

/**
 * A Postgres array literal of finite numbers (scoreGroups refuses others),
 * each in JavaScript's shortest round-trip form, which float8in reads back
 * to the same double. Built here because the driver's generic array
 * serialisation took seconds for a million customers' groups (ADR 061).
 */
const arrayLiteral = (values: readonly number[]) => `{${values.join(',')}}`;

/**
 * Memory per sort or hash of a full scoring, in MB, unless the caller sets
 * `workMemMb` (ANALYTICS_SCORING_WORK_MEM_MB): a million customers' rows
 * fit, so nothing spills — the largest sort is their ~2.8 million purchase
 * days (about 360 MB in memory); at 128 MB it went to disk, and the summary
 * took 20 times what 100,000 customers take instead of 10 (ADR 061).
 */
export const FULL_SCORING_WORK_MEM_MB = 512;

/** Customers written per statement: bounds memory (a chunk's changes are aggregated into compact rows) and paces the progress. */
export const SCORING_CHUNK = 50_000;

/**
 * Scores the customers (see SCORING_SUMMARY_SQL … SCORE_CHUNK_SQL) in the
 * caller's transaction. `scoreGroups` turns the distinct (x, t_x, T) into
 * purchase-model figures (it throws a ScoringError on figures that are not
 * finite). A full scoring plans its joins without nested loops: with
 * statistics missing, a nested loop is the plan that goes quadratic.
 * Returns the totals; the chunks' changes go to `hooks.chunk`, or, for a
 * full scoring with `hooks.announce`, straight into the outbox as events.
 * A full scoring as of a day before every order writes nothing and says
 * why (`nobodyScored`, see whyNobodyScored).
 */
export async function scoreCustomers(
  em: EntityManager,
  p: ScoreParams,
  scoreGroups: (groups: { x: number; txDays: number; tDays: number }[]) => GroupScore[],
  hooks: ScoringHooks = {},
  chunkSize = SCORING_CHUNK,
): Promise<{ scored: number; removed: string[]; nobodyScored?: string }> {
  const full = p.contactIds === null;
  const ids = p.contactIds ? [...p.contactIds] : null;
  if (hooks.announce && !full) throw new Error('only a full scoring announces its chunks in SQL');
  if (full) {
    await em.query(`SET LOCAL enable_nestloop = off`);
    // Nor merge joins: the group scores are a small table hashed once; merging sorted a million customers' summary for it.
    await em.query(`SET LOCAL enable_mergejoin = off`);
    // Floats become JSON by float8out: at extra_float_digits ≥ 1 its shortest exact form, the number JSON.stringify writes.
    await em.query(`SET LOCAL extra_float_digits = 1`);
    // A million customers' sorts and hashes (per-day orders, cume_dist, the joins) spill to disk at the default 4 MB.
    const workMemMb = p.workMemMb ?? FULL_SCORING_WORK_MEM_MB;
    if (!Number.isInteger(workMemMb) || workMemMb < 1) throw new Error(`work_mem must be a whole number of MB, not ${workMemMb}`);
    await em.query(`SET LOCAL work_mem = '${workMemMb}MB'`);
  }
  for (const ddl of SCORING_TABLES_SQL) await em.query(ddl);
  await em.query(SCORING_SUMMARY_SQL, [p.tenantId, utcDay(p.asOf), null, CHURN_SIGNAL_WEIGHTS.recentDays, p.currency, ids]);
  if (full) {
    const nobodyScored = await whyNobodyScored(em, p.tenantId, p.asOf);
    if (nobodyScored) {
      await hooks.progress?.(0, 0);
      return { scored: 0, removed: [], nobodyScored };
    }
  }
  await em.query(`ANALYZE clv_scoring_summary`);
  const keys: { x: number; tx_days: number; t_days: number }[] = await em.query(
    `SELECT x, tx_days, t_days FROM clv_scoring_summary GROUP BY x, tx_days, t_days`,
  );
  const groups = scoreGroups(keys.map((k) => ({ x: k.x, txDays: k.tx_days, tDays: k.t_days })));
  await em.query(
    `INSERT INTO clv_scoring_groups (x, tx_days, t_days, p_alive, expected_purchases, discounted)
     SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::float8[], $5::float8[], $6::float8[])`,
    [
      arrayLiteral(groups.map((g) => g.x)),
      arrayLiteral(groups.map((g) => g.tx_days)),
      arrayLiteral(groups.map((g) => g.t_days)),
      arrayLiteral(groups.map((g) => g.p_alive)),
      arrayLiteral(groups.map((g) => g.expected_purchases)),
      arrayLiteral(groups.map((g) => g.discounted)),
    ],
  );
  await em.query(`ANALYZE clv_scoring_groups`);
  const bounds = tierBounds(p.tiers);
  await em.query(scoringValuesSql(bounds.length), [
    p.tenantId,
    ids,
    p.gammaGamma?.p ?? null,
    p.gammaGamma?.q ?? null,
    p.gammaGamma?.gamma ?? null,
    full,
    bounds.map((b) => b.upper),
    p.currency,
    CHURN_SIGNAL_WEIGHTS.recentDays,
    CHURN_SIGNAL_WEIGHTS.complaintFactor,
    CHURN_SIGNAL_WEIGHTS.maxComplaints,
    CHURN_SIGNAL_WEIGHTS.activityWeight,
    CHURN_SIGNAL_WEIGHTS.minEarlierPurchaseDays,
    bounds.map((b) => b.name),
  ]);
  await em.query(`CREATE INDEX ON clv_scoring_values (n)`);
  await em.query(`CREATE INDEX ON clv_scoring_values (contact_id)`);
  await em.query(`ANALYZE clv_scoring_values`);
  const [{ total }]: { total: number }[] = await em.query(`SELECT count(*)::int AS total FROM clv_scoring_values`);
  await hooks.progress?.(0, total);
  // When it was scored (now), which is not what it was scored as of.
  const scoredAt = new Date().toISOString();
  let scored = 0;
  const chunkParams = (lo: number) => [
    p.tenantId,
    lo,
    lo + chunkSize,
    p.modelId,
    p.currency,
    utcDay(p.asOf),
    scoredAt,
    DAYS_PER_UNIT[p.timeUnit],
  ];
  for (let lo = 0; lo < total; lo += chunkSize) {
    if (hooks.announce) {
      const [row]: RecordedChunk[] = await em.query(SCORE_AND_RECORD_CHUNK_SQL, [
        ...chunkParams(lo),
        new Date().toISOString(),
        p.asOf.toISOString(),
        hooks.announce.trace ? JSON.stringify(hooks.announce.trace) : null,
      ]);
      scored += row.scored;
      await hooks.announce.announced(row);
    } else {
      const [row]: { scored: number; changes: ChangedRow[] }[] = await em.query(SCORE_CHUNK_SQL, chunkParams(lo));
      scored += row.scored;
      await hooks.chunk?.(chunkChanges(row.scored, row.changes, full));
    }
    await hooks.progress?.(Math.min(lo + chunkSize, total), total);
  }
  const removed = returnedRows<{ contactId: string }>(await em.query(REMOVE_UNSCORED_SQL, [p.tenantId, ids]));
  return { scored, removed: removed.map((r) => r.contactId) };
}

/** Splits a chunk's changed rows into the band, tier and figure changes the events are made of. */
export function chunkChanges(scored: number, rows: readonly ChangedRow[], full: boolean): ScoredChunk {
  const figures = (r: ChangedRow): CustomerFigures => ({
    contactId: r.contactId,
    clv: r.clv,
    currency: r.currency,
    tier: r.tier,
    churnBand: r.churnBand,
    churnRisk: r.churnRisk,
    pAlive: r.pAlive,
  });
  return {
    scored,
    removed: [],
    bandChanges: rows
      .filter((r) => r.bandChanged)
      .map((r) => ({
        contactId: r.contactId,
        previousBand: r.previousBand,
        band: r.churnBand,
        churnRisk: r.churnRisk,
        pAlive: r.pAlive,
        openComplaints: r.openComplaints,
        activityTrend: r.activityTrend,
      })),
    figureChanges: rows.filter((r) => r.figuresChanged || (full && r.tierChanged)).map(figures),
    tierChanges: full ? rows.filter((r) => r.tierChanged).map((r) => ({ ...figures(r), previousTier: r.previousTier })) : [],
  };
}

export async function assignTiers(em: EntityManager, tenantId: string, tiers: readonly ClvTier[]): Promise<TierChange[]> {
  return returnedRows<TierChange>(await em.query(ASSIGN_TIERS_SQL, [tenantId, JSON.stringify(tierBounds(tiers))]));
}

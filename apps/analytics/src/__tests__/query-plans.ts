import type { ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager, QueryRunner } from 'typeorm';

/**
 * Plan checks for the analytics statements on a big tenant without planner
 * statistics (clv-scoring-scale, analytics-read-plans): a tenant of
 * generated customers and orders, EXPLAIN ANALYZE of a statement, and what
 * makes a plan quadratic in the customers.
 */

export interface PlanNode {
  'Node Type': string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Join Filter'?: number;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function* nodes(plan: PlanNode): Generator<PlanNode> {
  yield plan;
  for (const child of plan.Plans ?? []) yield* nodes(child);
}

/** Rows a node looked at per loop: those it returned and those its filters dropped. */
const perLoop = (n: PlanNode) => n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Join Filter'] ?? 0);

/**
 * What makes a plan quadratic in the customers: a nested loop that rescans
 * a non-trivial inner side (not an index lookup) once per outer row, or any
 * node looking at (rows × loops) far more rows than there are orders.
 * Neither may appear. (A nested loop against a one-row inner side, such as
 * a CROSS JOIN with a bounds row, is linear and allowed.)
 */
export function quadraticNodes(plan: PlanNode, orders: number): string[] {
  const problems: string[] = [];
  for (const node of nodes(plan)) {
    const seen = perLoop(node) * node['Actual Loops'];
    if (seen > 5 * orders) problems.push(`${node['Node Type']} ${node['Relation Name'] ?? ''} looked at ${seen} rows`);
    if (node['Node Type'] === 'Nested Loop') {
      const [outer, inner] = node.Plans ?? [];
      const indexed = ['Index Scan', 'Index Only Scan'].includes(inner?.['Node Type']);
      if (!indexed && outer['Actual Rows'] * outer['Actual Loops'] > 1000 && perLoop(inner) > 100) {
        problems.push(`Nested Loop over ${outer['Actual Rows']} rows rescanning ${inner['Node Type']} ${inner['Relation Name'] ?? ''}`);
      }
    }
  }
  return problems;
}

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

/** EXPLAIN ANALYZE of `sql` in a savepoint that is rolled back, so the statement itself then runs as usual. */
export async function plan(em: EntityManager | { query: Query }, sql: string, params: unknown[]): Promise<PlanNode> {
  await em.query('SAVEPOINT explain');
  const [{ 'QUERY PLAN': explained }] = (await em.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params)) as {
    'QUERY PLAN': { Plan: PlanNode }[];
  }[];
  await em.query('ROLLBACK TO SAVEPOINT explain');
  return explained[0].Plan;
}

export interface ExplainedStatement {
  sql: string;
  plan: PlanNode;
}

/**
 * Until `stop()`, every query (SELECT or WITH) that a service runs through
 * `db.withTenant` — by `em.query` or a TypeORM query builder, both of which
 * go through the transaction's query runner — is EXPLAIN ANALYZEd first and
 * then run as usual: the statements explained are exactly those the service
 * runs, with its parameters. The tenant settings of the transaction are not
 * explained.
 */
export function explainServiceQueries(db: ServiceDatabase): { statements: ExplainedStatement[]; stop: () => void } {
  const statements: ExplainedStatement[] = [];
  const original = db.withTenant;
  db.withTenant = function <T>(tenantId: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
    return original.call(db, tenantId, async (em: EntityManager) => {
      const runner = em.queryRunner as QueryRunner;
      const query = runner.query;
      const raw = query as unknown as (sql: string, params?: unknown[], structured?: boolean) => Promise<unknown>;
      const run: Query = (sql, params) => raw.call(runner, sql, params);
      runner.query = (async (sql: string, params?: unknown[], structured?: boolean) => {
        if (/^\s*(WITH|SELECT)\b/i.test(sql) && !/set_config\(/.test(sql))
          statements.push({ sql, plan: await plan({ query: run }, sql, params ?? []) });
        return raw.call(runner, sql, params, structured);
      }) as QueryRunner['query'];
      try {
        return await work(em);
      } finally {
        runner.query = query;
      }
    }) as Promise<T>;
  };
  return { statements, stop: () => (db.withTenant = original) };
}

/**
 * `customers` contacts and their orders (≈ 2.5 each: a skewed number of repeat
 * purchases, their own first day, active span and spending level, over the
 * two years before `asOf`), drawn from hashes so every run has the same
 * data; contact i has the id 00000000-0000-4000-8000-<i in hex>. Written
 * with plain INSERTs, so nothing analyzes the tables. Returns the orders.
 */
export async function seedCustomersAndOrders(
  rows: (sql: string, params?: unknown[]) => Promise<{ orders: number }[]>,
  customers: number,
  asOf: Date,
): Promise<number> {
  const contact = `('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid`;
  await rows(`INSERT INTO contacts (tenant_id, id) SELECT $1, ${contact} FROM generate_series(1, $2::int) i`, [customers]);
  const uniform = (salt: string) => `((abs(hashtext('${salt}' || i)) % 100000) / 100000.0)`;
  await rows(
    `WITH c AS (
       SELECT i, ${contact} AS id, least(30, floor(-ln(1 - ${uniform('n')} * 0.999) * 2))::int AS repeats,
              floor(${uniform('f')} * 700)::int AS first_day, ${uniform('s')} AS span, 20 + abs(hashtext('m' || i)) % 200 AS level
         FROM generate_series(1, $2::int) i
     )
     INSERT INTO orders (id, tenant_id, source, external_order_id, contact_id, customer_contact_id, occurred_at, amount, currency, status)
     SELECT gen_random_uuid(), $1, 'scale', c.i || '-' || j, c.id, c.id,
            $3::timestamptz - make_interval(days => 730 - c.first_day
                                              - floor((abs(hashtext(c.i || '/' || j)) % 100000) / 100000.0 * c.span * (729 - c.first_day))::int
                                              * sign(j)::int),
            round(c.level * (0.5 + (abs(hashtext(j || '/' || c.i)) % 1000) / 1000.0), 2), 'EUR', 'PLACED'
       FROM c, generate_series(0, c.repeats) j`,
    [customers, asOf.toISOString()],
  );
  const [{ orders }] = await rows(`SELECT count(*)::int AS orders FROM orders WHERE tenant_id = $1`);
  return orders;
}

/** Those of `tables` (in the connection's schema) that have planner statistics: analyzed by hand or by autovacuum. */
export async function analyzedTables(em: { query: Query }, tables: readonly string[]): Promise<string[]> {
  const rows = (await em.query(
    `SELECT relname FROM pg_stat_user_tables
      WHERE schemaname = current_schema() AND relname = ANY($1::text[])
        AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)
      ORDER BY relname`,
    [tables],
  )) as { relname: string }[];
  return rows.map((r) => r.relname);
}

import { Client } from 'pg';

/**
 * Tables a refused request writes on purpose: a failed sign-in is counted
 * (per account and per address) so that guessing gets locked out.
 */
const WRITTEN_ON_REFUSAL = ['login_throttle'];

/**
 * Row counts of every table in this run's service schemas, for one tenant
 * where a table has `tenant_id` (the platform's other tenants and their
 * consumers cannot move those) and whole where it has none. Read as the
 * database owner, so row-level security hides nothing.
 */
export class RowCounter {
  private constructor(
    private readonly client: Client,
    private readonly sql: string,
    private readonly tenantId: string,
  ) {}

  static async open(tenantId: string): Promise<RowCounter> {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    const suffix = process.env.DB_SCHEMA_SUFFIX;
    if (!suffix) throw new Error('DB_SCHEMA_SUFFIX is not set: run under the integration global setup');
    const { rows } = await client.query<{ schema: string; table: string; tenant: string | null }>(
      `SELECT t.table_schema AS schema, t.table_name AS table,
              (SELECT c.data_type FROM information_schema.columns c
                WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'tenant_id') AS tenant
         FROM information_schema.tables t
        WHERE t.table_schema LIKE $1 AND t.table_type = 'BASE TABLE' AND NOT t.table_name = ANY($2::text[])
        ORDER BY 1, 2`,
      [`%\\_${suffix}`, WRITTEN_ON_REFUSAL],
    );
    if (rows.length === 0) throw new Error(`no tables in schemas ending _${suffix}`);
    const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;
    // Compared as its own type, so the tenant_id index serves the count: cast to text, each count was a
    // sequential scan, and the whole reading (some 135 tables, read after every fuzzed mutation) took ~200 ms.
    const byTenant = (type: string | null) =>
      type === null ? '' : type === 'uuid' ? ' WHERE tenant_id = $1::uuid' : ' WHERE tenant_id::text = $1::text';
    const sql = rows
      .map((r) => `SELECT '${r.schema}.${r.table}' AS t, count(*)::int AS n FROM ${quote(r.schema)}.${quote(r.table)}${byTenant(r.tenant)}`)
      .join(' UNION ALL ');
    return new RowCounter(client, sql, tenantId);
  }

  async counts(): Promise<Map<string, number>> {
    // Prepared once on this connection (named): planning the union of every table is most of what is left.
    const { rows } = await this.client.query<{ t: string; n: number }>({
      name: 'row-counts',
      text: this.sql,
      values: this.sql.includes('$1') ? [this.tenantId] : [],
    });
    return new Map(rows.map((r) => [r.t, r.n]));
  }

  /** Waits until two readings `intervalMs` apart agree (consumers and relays have settled), up to `timeoutMs`. */
  async settled(intervalMs = 250, timeoutMs = 5000): Promise<Map<string, number>> {
    const deadline = Date.now() + timeoutMs;
    let last = await this.counts();
    for (;;) {
      await new Promise((r) => setTimeout(r, intervalMs));
      const next = await this.counts();
      if (diff(last, next).length === 0 || Date.now() > deadline) return next;
      last = next;
    }
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

/** Tables whose count changed, as "schema.table: before → after". */
export function diff(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after].filter(([t, n]) => before.get(t) !== n).map(([t, n]) => `${t}: ${before.get(t)} → ${n}`);
}

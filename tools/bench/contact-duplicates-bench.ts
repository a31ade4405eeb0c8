/**
 * `node dist/tools/bench/contact-duplicates-bench.js [--sizes 8000,50000] [--rounds 4] [--batch 1000]`:
 * the contact import's duplicate statement alone (sales_contact_duplicates, ADR 066/078), before and after
 * ADR 078, interleaved on the same data.
 *
 * Two scratch schemas get the sales migrations: `old` up to 1766973000000 (the trigram join over contacts),
 * `new` all of them (distinct names). Both get the same contacts of one tenant, named like the ingest
 * bench's import (small name pools, so every row has dozens of FUZZY_NAME candidates), then a batch of
 * the next --batch rows of that import is looked up under the default rules (threshold 0.6), old and new
 * in turn, --rounds times per size. The two must return the same rows; the load average is printed by
 * every figure (the machine is shared). The schemas are dropped at the end.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { createServiceDataSource, migrate } from '@rapport/persistence';
import type { DataSource } from 'typeorm';
import { salesDefinition } from '../../apps/sales/src/sales.definition';
import { numberFlags } from './order-ingest-steps';

const args = process.argv.slice(2);
const flag = numberFlags(args);
const sizesAt = args.indexOf('--sizes');
const sizes = (sizesAt >= 0 ? args[sizesAt + 1] : '8000,50000').split(',').map(Number);
const rounds = flag('rounds', 4);
const batch = flag('batch', 1000);
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/rapport';

// The ingest bench's contact rows (tools/bench/ingest-bench.ts contactCsv), as SQL over i.
const FIRST = ['Anna', 'Ben', 'Clara', 'David', 'Eva', 'Felix', 'Greta', 'Hugo', 'Ida', 'Jonas', 'Karla', 'Lukas', 'Mia', 'Noah'];
const LAST = ['Schmidt', 'Meyer', 'Weber', 'Wagner', 'Becker', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Neumann', 'Braun'];
const first = (i: number) => FIRST[i % FIRST.length];
const last = (i: number) => `${LAST[Math.floor(i / FIRST.length) % LAST.length]}${Math.floor(i / 500)}`;
const firstSql = `(ARRAY['${FIRST.join("','")}'])[i % ${FIRST.length} + 1]`;
const lastSql = `(ARRAY['${LAST.join("','")}'])[(i / ${FIRST.length}) % ${LAST.length} + 1] || (i / 500)`;

async function schema(name: string, upTo: number): Promise<DataSource> {
  const ds = createServiceDataSource({
    url,
    schema: `${name}_${randomBytes(3).toString('hex')}`,
    entities: [],
    migrations: salesDefinition.migrations.filter((m) => Number(/\d{13}$/.exec(m.name)?.[0]) <= upTo),
    applicationName: `contact-duplicates-bench-${name}`,
    poolSize: 2,
  });
  await ds.initialize();
  await migrate(ds);
  return ds;
}

async function seed(ds: DataSource, tenant: string, from: number, to: number): Promise<void> {
  await ds.query(
    `INSERT INTO contacts_all (id, tenant_id, first_name, last_name, emails, phones)
     SELECT gen_random_uuid(), $1, ${firstSql}, ${lastSql}, ARRAY['imp-' || i || '@bench.test'], ARRAY['+4930' || (1000000 + i)]
     FROM generate_series($2::int, $3::int - 1) AS i`,
    [tenant, from, to],
  );
  await ds.query(`ANALYZE contacts_all`);
  await ds.query(`ANALYZE contact_names`).catch(() => undefined); // only in the new schema
}

/** One batch's duplicate statement as DuplicatesService.findBatch issues it (default rules: threshold 0.6); ms and rows. */
async function lookup(ds: DataSource, tenant: string, at: number): Promise<{ ms: number; rows: string[] }> {
  const rows = Array.from({ length: batch }, (_, k) => at + k);
  const names = [...new Set(rows.map((i) => `${first(i)} ${last(i)}`.toLowerCase()))];
  return ds.transaction(async (em) => {
    await em.query(`SELECT set_config('rapport.tenant_id', $1, true)`, [tenant]);
    const started = process.hrtime.bigint();
    const found: { rule: string; n: number | null; id: string }[] = await em.query(
      `SELECT d.rule, d.n, d.id FROM sales_contact_duplicates($1::text[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::real) d`,
      [
        rows.map((i) => `imp-${i}@bench.test`),
        rows.map((i) => `+4930${1_000_000 + i}`),
        names,
        names.map(() => null),
        names.map(() => null),
        0.6,
      ],
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { ms, rows: found.map((r) => `${r.rule} ${r.n} ${r.id}`).sort() };
  });
}

async function main(): Promise<void> {
  const tenant = randomUUID();
  const old = await schema('dupbench_old', 1766973000000);
  const now = await schema('dupbench_new', Infinity);
  try {
    let seeded = 0;
    for (const size of sizes) {
      for (const ds of [old, now]) await seed(ds, tenant, seeded, size);
      seeded = size;
      // Ids differ between the schemas; the verdicts are compared as (rule, probe, e-mail of the contact).
      const ids = async (ds: DataSource) =>
        new Map<string, string>(
          (await ds.query(`SELECT id, emails[1] AS e FROM contacts_all`)).map((r: { id: string; e: string }) => [r.id, r.e]),
        );
      const [oldIds, newIds] = [await ids(old), await ids(now)];
      for (let round = 1; round <= rounds; round++) {
        for (const [label, ds, byId] of [
          ['old', old, oldIds],
          ['new', now, newIds],
        ] as const) {
          const load = loadavg()[0].toFixed(1);
          const r = await lookup(ds, tenant, size);
          const verdicts = r.rows.map((row) => {
            const [rule, n, id] = row.split(' ');
            return `${rule} ${n} ${byId.get(id)}`;
          });
          console.log(
            `${size} contacts, round ${round}, ${label}: ${r.ms.toFixed(0)} ms, ${r.rows.length} rows (load ${load}) ${fingerprint(verdicts)}`,
          );
        }
      }
    }
  } finally {
    for (const ds of [old, now]) {
      if (args.includes('--keep')) console.log(`kept schema ${(ds.options as { schema: string }).schema}, tenant ${tenant}`);
      else await ds.query(`DROP SCHEMA "${(ds.options as { schema: string }).schema}" CASCADE`);
      await ds.destroy();
    }
  }
}

/** A short digest of the sorted verdicts, to see at a glance that old and new agree. */
function fingerprint(rows: string[]): string {
  let h = 0;
  for (const row of rows.sort()) for (let k = 0; k < row.length; k++) h = (Math.imul(h, 31) + row.charCodeAt(k)) | 0;
  return `#${(h >>> 0).toString(16)}`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

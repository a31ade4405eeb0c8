import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCdnowTransactions } from '@rapport/clv';

/** The raw CDNOW sample as shared with the project (2,357 customers, 1997-01-01 … 1998-06-30), else the same bytes in libs/clv. */
const CDNOW = join('/work', 'shared', 'data', 'cdnow', 'CDNOW_sample.txt');
const FALLBACK = join(__dirname, '..', '..', '..', '..', 'libs', 'clv', 'src', '__fixtures__', 'cdnow', 'CDNOW_sample.txt');

/** CDNOW sample id → a stable contact id. */
export const contactOf = (sampleId: string) => `00000000-0000-4000-8000-${sampleId.padStart(12, '0')}`;

function sample(): string {
  try {
    return readFileSync(CDNOW, 'utf8');
  } catch {
    return readFileSync(FALLBACK, 'utf8');
  }
}

/**
 * The CDNOW sample in a tenant: the contact projection as sales events would
 * have built it, and the orders as a shop would have sent them. `rows` runs
 * SQL with the tenant id as $1.
 */
export async function loadCdnowTenant(rows: (sql: string, params: unknown[]) => Promise<unknown>): Promise<void> {
  const transactions = parseCdnowTransactions(sample());
  const contacts = [...new Set(transactions.map((t) => contactOf(t.customerId)))];
  await rows(`INSERT INTO contacts (tenant_id, id) SELECT $1, unnest($2::uuid[])`, [contacts]);
  await rows(
    `INSERT INTO orders (id, tenant_id, source, external_order_id, contact_id, customer_contact_id, occurred_at, amount, currency, status)
     SELECT gen_random_uuid(), $1, 'cdnow', o.n::text, o.contact_id, o.contact_id, o.at, o.amount, 'USD', 'PLACED'
       FROM jsonb_to_recordset($2::jsonb) AS o(n int, contact_id uuid, at timestamptz, amount numeric)`,
    [JSON.stringify(transactions.map((t, n) => ({ n, contact_id: contactOf(t.customerId), at: t.at, amount: t.amount })))],
  );
}

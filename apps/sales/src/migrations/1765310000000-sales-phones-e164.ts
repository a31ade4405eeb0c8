import { e164 } from '@rapport/service-kit';
import type { EntityManager, MigrationInterface, QueryRunner } from 'typeorm';

const BATCH = 1000;

/**
 * Phones are stored in E.164 from now on (libphonenumber-js, read in the
 * tenant's default country): the phones already stored are rewritten the
 * same way, so NORMALISED_PHONE finds them by key and an SMS can reach them.
 * A stored value that is no valid number stays as it was (it was accepted
 * once; the next edit of its record asks for a valid one). The hand-written
 * SQL key function goes: keys are computed in TypeScript only.
 */
export class SalesPhonesE1641765310000000 implements MigrationInterface {
  name = 'SalesPhonesE1641765310000000';

  async up(q: QueryRunner): Promise<void> {
    await rewritePhonesE164(q.manager);
    await q.query(`DROP FUNCTION IF EXISTS sales_phone_key(text, text)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The rewritten phones stay E.164 (the original spellings are not kept); the key function comes back.
    await q.query(`CREATE FUNCTION sales_phone_key(p text, cc text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT CASE
        WHEN k LIKE '+%' THEN k
        WHEN k LIKE '00%' THEN '+' || substr(k, 3)
        WHEN k LIKE '0%' AND coalesce(cc, '') <> '' THEN cc || substr(k, 2)
        ELSE k END
      FROM (SELECT CASE WHEN btrim(p) LIKE '+%' THEN '+' ELSE '' END || regexp_replace(p, '[^0-9]', '', 'g') AS k) s
    $$`);
  }
}

/** Rewrites every stored contact and lead phone that is a valid number to E.164, in its tenant's default country. */
export async function rewritePhonesE164(q: EntityManager): Promise<void> {
  const defaults = new Map<string, string | null>(
    (await q.query(`SELECT tenant_id::text AS t, config->>'defaultCountryCode' AS cc FROM duplicate_rules`)).map(
      (r: { t: string; cc: string | null }) => [r.t, r.cc],
    ),
  );
  const normal = (tenantId: string, phone: string) => e164(phone, defaults.get(tenantId) ?? null) ?? phone;

  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows: { id: string; tenant_id: string; phones: string[] }[] = await q.query(
      `SELECT id, tenant_id::text, phones FROM contacts WHERE id > $1 AND cardinality(phones) > 0 ORDER BY id LIMIT ${BATCH}`,
      [after],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      const phones = [...new Set(r.phones.map((p) => normal(r.tenant_id, p)))];
      if (JSON.stringify(phones) !== JSON.stringify(r.phones))
        await q.query(`UPDATE contacts SET phones = $2 WHERE id = $1`, [r.id, phones]);
    }
    after = rows[rows.length - 1].id;
  }

  after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows: { id: string; tenant_id: string; phone: string }[] = await q.query(
      `SELECT id, tenant_id::text, phone FROM leads WHERE id > $1 AND phone IS NOT NULL ORDER BY id LIMIT ${BATCH}`,
      [after],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      const phone = normal(r.tenant_id, r.phone);
      if (phone !== r.phone) await q.query(`UPDATE leads SET phone = $2 WHERE id = $1`, [r.id, phone]);
    }
    after = rows[rows.length - 1].id;
  }
}

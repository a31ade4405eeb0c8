import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Legal-form tokens stripped from the end of an account name (after dots, apostrophes and slashes are removed: "S.A." → "sa"). */
export const LEGAL_SUFFIXES = (
  'inc incorporated corp corporation co cos company ltd ltda limited llc llp lp plc pllc gmbh mbh ag kg kgaa ohg gbr ug ev eg se ' +
  'sa sas sasu sarl sca scs snc spa srl sl slu sau bv nv vof oy oyj ab as asa aps pty pvt pte kk bhd sdn cv de sro kft zrt doo'
).split(' ');

/**
 * Account duplicate matching: tenant rules for accounts next to the
 * contact rules, the normalised name key (legal suffixes stripped) and
 * domain key as SQL functions with expression indexes, and SECURITY DEFINER
 * candidate lookups (see 1764410000000: RLS keeps the planner from using
 * these indexes for non-leakproof operators under the app role).
 */
export class SalesAccountDuplicates1764430000000 implements MigrationInterface {
  name = 'SalesAccountDuplicates1764430000000';

  async up(q: QueryRunner): Promise<void> {
    // Contact rules and account rules are set separately; either may be absent (defaults apply).
    await q.query(`ALTER TABLE duplicate_rules ALTER COLUMN config DROP NOT NULL, ADD COLUMN account_config jsonb`);

    // lower → drop . ' ’ / (so S.A. → sa, A/S → as, O'Brien → obrien) → every other non-alphanumeric run
    // becomes one space (letters of any script stay) → leading "the" and inner and/und/et go → trailing
    // legal forms go, as many as there are, but never the first word.
    const legal = LEGAL_SUFFIXES.join('|');
    await q.query(String.raw`CREATE FUNCTION sales_account_name_key(name text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT regexp_replace(
        regexp_replace(
          regexp_replace(
            btrim(regexp_replace(regexp_replace(lower(name), '[.''’/]', '', 'g'), '[^[:alnum:]]+', ' ', 'g')),
            '^the\s+(?=\S)', ''),
          '\s+(and|und|et)(?=\s)', '', 'g'),
        '(\s+(${legal}))+$', '')
    $$`);
    await q.query(String.raw`CREATE FUNCTION sales_domain_key(domain text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT regexp_replace(lower(domain), '^www\.', '') $$`);
    await q.query(`CREATE INDEX accounts_name_key ON accounts (sales_account_name_key(name))`);
    await q.query(
      `CREATE INDEX accounts_name_key_trgm ON accounts USING gin (sales_account_name_key(name) public.gin_trgm_ops) WITH (fastupdate = off)`,
    );
    await q.query(`CREATE INDEX accounts_domain_key ON accounts (sales_domain_key(domain)) WHERE domain IS NOT NULL`);

    const tenant = `a.tenant_id::text = lower(current_setting('rapport.tenant_id', true))`;
    // Probes are matched by position (1-based ordinality), one index probe each (LATERAL).
    await q.query(`CREATE FUNCTION sales_accounts_by_name_key(names text[]) RETURNS TABLE (n int, id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
      SELECT i.n::int, m.id FROM unnest(names) WITH ORDINALITY AS i(name, n)
      CROSS JOIN LATERAL (
        SELECT a.id FROM accounts a
        WHERE sales_account_name_key(a.name) = sales_account_name_key(i.name) AND ${tenant} AND a.merged_into IS NULL
      ) m
      WHERE sales_account_name_key(i.name) <> ''
    $$`);
    await q.query(`CREATE FUNCTION sales_accounts_by_domain_key(domains text[]) RETURNS TABLE (id uuid, domain text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
      SELECT a.id, sales_domain_key(a.domain) FROM accounts a
      WHERE a.domain IS NOT NULL AND sales_domain_key(a.domain) = ANY(domains) AND ${tenant} AND a.merged_into IS NULL
    $$`);
    // % uses pg_trgm.similarity_threshold, which the caller sets transaction-locally to the rule's threshold.
    await q.query(`CREATE FUNCTION sales_accounts_by_fuzzy_name(names text[]) RETURNS TABLE (n int, id uuid, similarity real)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
      SELECT i.n::int, m.id, m.similarity FROM unnest(names) WITH ORDINALITY AS i(name, n)
      CROSS JOIN LATERAL (
        SELECT a.id, public.similarity(sales_account_name_key(a.name), sales_account_name_key(i.name)) AS similarity FROM accounts a
        WHERE sales_account_name_key(a.name) OPERATOR(public.%) sales_account_name_key(i.name) AND ${tenant} AND a.merged_into IS NULL
      ) m
    $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS sales_accounts_by_fuzzy_name(text[])`);
    await q.query(`DROP FUNCTION IF EXISTS sales_accounts_by_domain_key(text[])`);
    await q.query(`DROP FUNCTION IF EXISTS sales_accounts_by_name_key(text[])`);
    await q.query(`DROP INDEX IF EXISTS accounts_domain_key`);
    await q.query(`DROP INDEX IF EXISTS accounts_name_key_trgm`);
    await q.query(`DROP INDEX IF EXISTS accounts_name_key`);
    await q.query(`DROP FUNCTION IF EXISTS sales_domain_key(text)`);
    await q.query(`DROP FUNCTION IF EXISTS sales_account_name_key(text)`);
    await q.query(`ALTER TABLE duplicate_rules DROP COLUMN account_config`);
    await q.query(`DELETE FROM duplicate_rules WHERE config IS NULL`);
    await q.query(`ALTER TABLE duplicate_rules ALTER COLUMN config SET NOT NULL`);
  }
}

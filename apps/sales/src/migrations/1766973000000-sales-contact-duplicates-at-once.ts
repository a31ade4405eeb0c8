import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every contact duplicate rule for a whole batch of probes in one statement
 * (ADR 066): the e-mail and phone GIN lookups and the trigram name join of
 * sales_contacts_by_emails, sales_contacts_by_phone_keys and
 * sales_contacts_by_fuzzy_name, as one function. The name rule's threshold is
 * set inside (the function's own SET clauses restore it, and enable_seqscan,
 * on return), so a batch costs one round trip instead of six.
 *
 * Plpgsql names its parameters and result columns, so none is called like
 * a column it reads. Rows: EXACT_EMAIL and NORMALISED_PHONE give each matching contact once with
 * its e-mails or phones (the caller matches them to its probes, as before);
 * FUZZY_NAME gives (n, id) with n the 1-based position in `names`.
 */
export class SalesContactDuplicatesAtOnce1766973000000 implements MigrationInterface {
  name = 'SalesContactDuplicatesAtOnce1766973000000';

  async up(q: QueryRunner): Promise<void> {
    const tenant = (alias: string) => `${alias}.tenant_id::text = lower(current_setting('rapport.tenant_id', true))`;
    await q.query(`CREATE FUNCTION sales_contact_duplicates(
        wanted_emails text[], wanted_phone_keys text[], names text[], account_ids uuid[], account_names text[], threshold real
      ) RETURNS TABLE (rule text, n int, id uuid, keys text[])
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT
      SET enable_seqscan = off SET pg_trgm.similarity_threshold = 0.3 AS $$
      BEGIN
        -- Statistics lag behind a bulk import; without enable_seqscan off the planner may scan per probe.
        IF threshold IS NOT NULL THEN PERFORM set_config('pg_trgm.similarity_threshold', threshold::text, true); END IF;
        RETURN QUERY
          SELECT 'EXACT_EMAIL'::text, NULL::int, c.id, c.emails FROM contacts c
          WHERE cardinality(wanted_emails) > 0 AND c.emails && wanted_emails AND ${tenant('c')} AND c.merged_into IS NULL
        UNION ALL
          SELECT 'NORMALISED_PHONE'::text, NULL::int, c.id, c.phones FROM contacts c
          WHERE cardinality(wanted_phone_keys) > 0 AND sales_phone_keys(c.phones) && wanted_phone_keys AND ${tenant('c')} AND c.merged_into IS NULL
        UNION ALL
          SELECT 'FUZZY_NAME'::text, i.n::int, m.id, NULL::text[]
          FROM unnest(names, account_ids, account_names) WITH ORDINALITY AS i(name, account_id, account_name, n)
          LEFT JOIN accounts pa ON pa.id = i.account_id AND ${tenant('pa')}
          CROSS JOIN LATERAL (
            SELECT c.id, c.account_id FROM contacts c
            WHERE lower(coalesce(c.first_name, '') || ' ' || c.last_name) OPERATOR(public.%) i.name AND ${tenant('c')} AND c.merged_into IS NULL
          ) m
          LEFT JOIN accounts a ON a.id = m.account_id
          CROSS JOIN LATERAL (SELECT CASE WHEN i.account_id IS NOT NULL THEN lower(pa.name) ELSE i.account_name END AS account) p
          WHERE threshold IS NOT NULL AND (p.account IS NULL OR a.id IS NULL OR public.similarity(lower(a.name), p.account) >= threshold);
      END
    $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS sales_contact_duplicates(text[], text[], text[], uuid[], text[], real)`);
  }
}

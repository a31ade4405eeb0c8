import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The name FUZZY_NAME compares, as the contact side has always computed it (trigram similarity is taken on exactly this). */
const NAME = (alias: string) => `lower(coalesce(${alias}.first_name, '') || ' ' || ${alias}.last_name)`;
/** The advisory lock between adding names (shared) and pruning them (exclusive), per tenant. */
const LOCK = (tenant: string) => `hashtextextended('sales.contact_names:' || ${tenant}, 0)`;
const TENANT = (alias: string) => `${alias}.tenant_id::text = lower(current_setting('rapport.tenant_id', true))`;

/**
 * The FUZZY_NAME rule searches distinct names, not contacts (ADR 078).
 *
 * `contact_names` holds each tenant's distinct normalised contact names, once
 * each, with the trigram index; `sales_contact_duplicates` finds the names
 * similar to a probe there and then the contacts with exactly those names
 * through a btree index on contacts. Imports repeat names, so the trigram
 * index holds a fraction of the entries the one on contacts held, and the
 * trigram recheck runs once per similar name instead of once per contact.
 *
 * Filled by statement triggers on contacts_all (every way a contact is
 * created or renamed: create, import, update, unmerge, restore), one
 * INSERT … ON CONFLICT DO NOTHING of the statement's distinct names: no
 * counters, so an existing name is never written again. A name no contact
 * has any more finds nothing in the join to contacts; it is deleted when
 * erasure or purge removes names for good (sales_contact_names_prune), not on
 * every rename or delete (see the ADR).
 *
 * contacts_name_trgm is dropped: nothing else searched it, and every contact
 * insert paid its GIN entries.
 */
export class SalesContactNames1766984000000 implements MigrationInterface {
  name = 'SalesContactNames1766984000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE contact_names (
      tenant_id uuid NOT NULL,
      name text NOT NULL,
      PRIMARY KEY (tenant_id, name)
    )`);
    await enableTenantRls(q, 'contact_names');
    await q.query(`CREATE INDEX contact_names_trgm ON contact_names USING gin (name public.gin_trgm_ops) WITH (fastupdate = off)`);
    await q.query(`CREATE INDEX contacts_by_name_key ON contacts_all (tenant_id, (${NAME('contacts_all')}))`);
    await q.query(`DROP INDEX contacts_name_trgm`);

    // SECURITY DEFINER: the writer of a contact needs no rights on contact_names; the tenant is the contact row's own.
    // Sorted, so two transactions adding the same new names wait for each other in one order and never deadlock.
    // The shared lock (held to commit, shared by every writer: no one waits on it but a pruning) keeps a pruning
    // from deleting a name a contact not yet committed relies on: ON CONFLICT DO NOTHING skipped it as present.
    await q.query(`CREATE FUNCTION sales_contact_names_add() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock_shared(${LOCK('t.tenant_id::text')}) FROM (SELECT DISTINCT tenant_id FROM changed ORDER BY 1) t;
        INSERT INTO contact_names (tenant_id, name)
          SELECT DISTINCT c.tenant_id, ${NAME('c')} FROM changed c ORDER BY 1, 2
        ON CONFLICT DO NOTHING;
        RETURN NULL;
      END
    $$`);
    // Names no contact row has (erased, purged, renamed away) are deleted only by erasure and purge, which lock
    // first (before their own writes take the shared lock, so two of them cannot deadlock upgrading it) and prune
    // last: an erased person's name must not outlive them here. Rows in the bin or merged keep their names (restore).
    await q.query(`CREATE FUNCTION sales_contact_names_lock() RETURNS void
      LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
      SELECT pg_advisory_xact_lock(${LOCK(`lower(current_setting('rapport.tenant_id', true))`)})
    $$`);
    await q.query(`CREATE FUNCTION sales_contact_names_prune() RETURNS void
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
      BEGIN
        PERFORM sales_contact_names_lock();
        -- A statement of its own after the lock: its snapshot sees every contact committed by a writer waited for.
        DELETE FROM contact_names nm WHERE ${TENANT('nm')}
          AND NOT EXISTS (SELECT 1 FROM contacts_all c WHERE c.tenant_id = nm.tenant_id AND ${NAME('c')} = nm.name);
      END
    $$`);
    // Transition tables rule out UPDATE OF columns: every update statement offers its rows' names, which costs an
    // index probe per distinct name and writes nothing when they are known.
    for (const op of ['INSERT', 'UPDATE']) {
      await q.query(`CREATE TRIGGER contact_names_on_${op.toLowerCase()} AFTER ${op} ON contacts_all
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION sales_contact_names_add()`);
    }
    await q.query(`INSERT INTO contact_names (tenant_id, name)
      SELECT DISTINCT c.tenant_id, ${NAME('c')} FROM contacts_all c ON CONFLICT DO NOTHING`);

    await q.query(
      duplicatesFunction(
        `
        SELECT 'FUZZY_NAME'::text, i.n::int, m.id, NULL::text[]
        FROM unnest(names, account_ids, account_names) WITH ORDINALITY AS i(name, account_id, account_name, n)
        JOIN similar_contacts m ON m.probe = i.name
        LEFT JOIN accounts pa ON pa.id = i.account_id AND ${TENANT('pa')}
        LEFT JOIN accounts a ON a.id = m.account_id
        CROSS JOIN LATERAL (SELECT CASE WHEN i.account_id IS NOT NULL THEN lower(pa.name) ELSE i.account_name END AS account) p
        WHERE threshold IS NOT NULL AND (p.account IS NULL OR a.id IS NULL OR public.similarity(lower(a.name), p.account) >= threshold)`,
        // Each distinct probe name once: its similar distinct names (trigram index), then their contacts (btree).
        // OFFSET 0 keeps the LATERAL a search per probe name: flattened, the planner (which takes an array for 10
        // elements) walked every distinct name and tested % against every probe, 900k tests and 3-5 s a batch.
        `WITH similar_contacts AS (
          SELECT s.probe, c.id, c.account_id
          FROM (SELECT DISTINCT u.name AS probe FROM unnest(names) AS u(name) WHERE threshold IS NOT NULL) pn
          CROSS JOIN LATERAL (
            SELECT pn.probe, nm.tenant_id, nm.name FROM contact_names nm WHERE nm.name OPERATOR(public.%) pn.probe AND ${TENANT('nm')}
            OFFSET 0
          ) s
          JOIN contacts c ON c.tenant_id = s.tenant_id AND ${NAME('c')} = s.name AND c.merged_into IS NULL
        )`,
        // enable_seqscan off makes any plan look expensive, which started JIT compiling (1.2 s) on every call.
        'SET jit = off',
      ),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      duplicatesFunction(
        `
        SELECT 'FUZZY_NAME'::text, i.n::int, m.id, NULL::text[]
        FROM unnest(names, account_ids, account_names) WITH ORDINALITY AS i(name, account_id, account_name, n)
        LEFT JOIN accounts pa ON pa.id = i.account_id AND ${TENANT('pa')}
        CROSS JOIN LATERAL (
          SELECT c.id, c.account_id FROM contacts c
          WHERE ${NAME('c')} OPERATOR(public.%) i.name AND ${TENANT('c')} AND c.merged_into IS NULL
        ) m
        LEFT JOIN accounts a ON a.id = m.account_id
        CROSS JOIN LATERAL (SELECT CASE WHEN i.account_id IS NOT NULL THEN lower(pa.name) ELSE i.account_name END AS account) p
        WHERE threshold IS NOT NULL AND (p.account IS NULL OR a.id IS NULL OR public.similarity(lower(a.name), p.account) >= threshold)`,
        '',
      ),
    );
    await q.query(
      `CREATE INDEX contacts_name_trgm ON contacts_all USING gin ((${NAME('contacts_all')}) public.gin_trgm_ops) WITH (fastupdate = off)`,
    );
    for (const op of ['insert', 'update']) await q.query(`DROP TRIGGER contact_names_on_${op} ON contacts_all`);
    await q.query(`DROP FUNCTION sales_contact_names_add()`);
    await q.query(`DROP FUNCTION sales_contact_names_prune()`);
    await q.query(`DROP FUNCTION sales_contact_names_lock()`);
    await q.query(`DROP INDEX contacts_by_name_key`);
    await q.query(`DROP TABLE contact_names`);
  }
}

/** sales_contact_duplicates (migration 1766973000000) with the given FUZZY_NAME branch and the WITH clause it reads. */
function duplicatesFunction(nameBranch: string, withClause: string, settings = ''): string {
  return `CREATE OR REPLACE FUNCTION sales_contact_duplicates(
      wanted_emails text[], wanted_phone_keys text[], names text[], account_ids uuid[], account_names text[], threshold real
    ) RETURNS TABLE (rule text, n int, id uuid, keys text[])
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    SET enable_seqscan = off SET pg_trgm.similarity_threshold = 0.3 ${settings} AS $$
    BEGIN
      -- Statistics lag behind a bulk import; without enable_seqscan off the planner may scan per probe.
      IF threshold IS NOT NULL THEN PERFORM set_config('pg_trgm.similarity_threshold', threshold::text, true); END IF;
      RETURN QUERY ${withClause}
        SELECT 'EXACT_EMAIL'::text, NULL::int, c.id, c.emails FROM contacts c
        WHERE cardinality(wanted_emails) > 0 AND c.emails && wanted_emails AND ${TENANT('c')} AND c.merged_into IS NULL
      UNION ALL
        SELECT 'NORMALISED_PHONE'::text, NULL::int, c.id, c.phones FROM contacts c
        WHERE cardinality(wanted_phone_keys) > 0 AND sales_phone_keys(c.phones) && wanted_phone_keys AND ${TENANT('c')} AND c.merged_into IS NULL
      UNION ALL ${nameBranch};
    END
  $$`;
}

import type { QueryRunner } from 'typeorm';
import { quoteIdent } from './data-source';

/** The trigger that marks a table append-only. */
export const APPEND_ONLY_TRIGGER = 'append_only_guard';

/**
 * The transaction-local setting under which the table's owner may delete
 * rows (pruning past retention, through a SECURITY DEFINER function the
 * owner's migration creates). The service's roles cannot use it: they have
 * no DELETE privilege on the table at all (ServiceDefinition.appendOnlyTables);
 * the trigger is the second lock, also against the owner.
 */
export const APPEND_ONLY_PRUNE_SETTING = 'rapport.append_only_prune';

/**
 * Migration helper: rows of `table` can be inserted and read, never changed.
 * A trigger refuses every UPDATE and TRUNCATE, and every DELETE except the
 * owner's pruning; the grant step after every migration run keeps UPDATE,
 * DELETE and TRUNCATE from the service's roles (list the table in the
 * service definition's appendOnlyTables).
 */
export async function makeAppendOnly(queryRunner: QueryRunner, table: string): Promise<void> {
  const t = quoteIdent(table);
  await queryRunner.query(`CREATE OR REPLACE FUNCTION refuse_append_only_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('${APPEND_ONLY_PRUNE_SETTING}', true) = 'on' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`);
  await queryRunner.query(
    `CREATE TRIGGER ${APPEND_ONLY_TRIGGER} BEFORE UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change()`,
  );
  await queryRunner.query(
    `CREATE TRIGGER ${APPEND_ONLY_TRIGGER}_truncate BEFORE TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION refuse_append_only_change()`,
  );
}

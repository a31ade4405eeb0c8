import type { DataSource, QueryRunner } from 'typeorm';
import { quoteIdent } from './data-source';

/** The trigger that marks a table append-only; grantAppRole finds tables by it. */
export const APPEND_ONLY_TRIGGER = 'append_only_guard';

/**
 * The transaction-local setting under which the table's owner may delete
 * rows (pruning past retention). The app role cannot use it: it has no DELETE
 * privilege on the table at all, the trigger is the second lock.
 */
export const APPEND_ONLY_PRUNE_SETTING = 'rapport.append_only_prune';

/**
 * Migration helper: rows of `table` can be inserted and read, never changed.
 * A trigger refuses every UPDATE and TRUNCATE, and every DELETE except the
 * owner's pruning; grantAppRole revokes UPDATE, DELETE and TRUNCATE from the
 * app role on every start (its blanket grant would otherwise give them back).
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

/** Takes UPDATE, DELETE and TRUNCATE on the schema's append-only tables back from the app role. */
export async function revokeAppendOnlyWrites(dataSource: DataSource, schema: string, role: string): Promise<void> {
  const tables: { name: string }[] = await dataSource.query(
    `SELECT DISTINCT c.relname AS name
       FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND tg.tgname = $2`,
    [schema, APPEND_ONLY_TRIGGER],
  );
  for (const { name } of tables) {
    await dataSource.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${quoteIdent(schema)}.${quoteIdent(name)} FROM ${quoteIdent(role)}`);
  }
}

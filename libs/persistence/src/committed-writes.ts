import type { QueryRunner } from 'typeorm';
import type { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { pgErrorCode } from './errors';

/** in_failed_sql_transaction: a statement of the transaction failed, so the question is refused and COMMIT never ran. */
const IN_FAILED_TRANSACTION = '25P02';

export interface CommitOutcome {
  /** The committed transaction wrote something (it had a transaction id); false until COMMIT has run. */
  wrote: boolean;
}

/**
 * Sends TypeORM's COMMIT on this runner together with the question whether
 * the transaction wrote anything, in one message: PostgreSQL gives a
 * transaction an id at its first write (or row lock), so a transaction
 * without one changed nothing. The answer costs no extra round trip; those
 * are most of a small transaction's cost (ADR 072).
 *
 * Install it before `startWith`, which puts back the `query` it found.
 */
export function tellWritesAtCommit(runner: QueryRunner): CommitOutcome {
  const outcome: CommitOutcome = { wrote: false };
  const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
  runner.query = (async (sql: string, ...rest: unknown[]) => {
    if (sql !== 'COMMIT') return query(sql, ...rest);
    runner.query = query as QueryRunner['query'];
    // pg answers a multi-statement message with one result per statement; TypeORM's query() keeps only one.
    const client = (await (runner as PostgresQueryRunner).connect()) as {
      query(text: string): Promise<Array<{ rows: Array<{ wrote: boolean }> }>>;
    };
    try {
      const [asked] = await client.query(`SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS wrote; COMMIT`);
      outcome.wrote = asked.rows[0].wrote;
    } catch (err) {
      if (pgErrorCode(err) !== IN_FAILED_TRANSACTION) throw err;
      // As a plain COMMIT would: it ends a failed transaction as a rollback, with no error; nothing was written.
      await client.query('COMMIT');
    }
    return undefined;
  }) as QueryRunner['query'];
  return outcome;
}

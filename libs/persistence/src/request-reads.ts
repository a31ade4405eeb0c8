import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { pgErrorCode } from './errors';

/**
 * One read-only tenant transaction per GraphQL query request, shared by its
 * fields. A 360° read asks one subgraph for five or six fields, and each
 * field's resolver used to open a tenant transaction of its own: START with
 * the settings, the reads, COMMIT — two round trips to the database per
 * field beyond the reads, and a pooled connection each. On this kind of
 * machine a socket write costs about as much CPU as the read it carries, so
 * the round trips were most of a subgraph's busy time (ADR 072).
 *
 * A request opts in (`shareReads`) once its operation is known to be a
 * query; mutations keep a transaction per unit of work. The transaction is
 * `READ ONLY`: a resolver that writes during a query fails there and runs
 * again in its own transaction, as before. A database error in one field
 * aborts the shared transaction; the field that caused it gets its own
 * error, and every other field of the request runs again alone — a failed
 * part costs only that part. The transaction commits when the request ends.
 */
export class RequestReads {
  private shared = false;
  private readonly open = new Map<DataSource, SharedTransaction>();

  /** From now on, tenant transactions of this request share one read-only transaction per database. */
  shareReads(): void {
    this.shared = true;
  }

  /** The shared transaction for `dataSource` and `tenantId`, or null when this request does not share (any more). */
  transactionFor(dataSource: DataSource, tenantId: string, settings: string): SharedTransaction | null {
    if (!this.shared) return null;
    let transaction = this.open.get(dataSource);
    if (!transaction) {
      transaction = new SharedTransaction(dataSource, tenantId, settings);
      this.open.set(dataSource, transaction);
    }
    return transaction.usableFor(tenantId) ? transaction : null;
  }

  /** Ends every shared transaction of the request (idempotent); called when the answer is ready. */
  async finish(): Promise<void> {
    this.shared = false;
    const open = [...this.open.values()];
    this.open.clear();
    await Promise.all(open.map((t) => t.finish()));
  }
}

/** SQLSTATEs a field gets because of the shared transaction, not because of its own reads. */
const NOT_THIS_FIELDS_FAULT = new Set([
  '25P02', // in_failed_sql_transaction: a sibling's statement failed first
  '25006', // read_only_sql_transaction: this resolver writes during a query
]);

export class SharedTransaction {
  private manager: Promise<EntityManager> | undefined;
  private release: (() => void) | undefined;
  private done: Promise<void> | undefined;
  private broken = false;
  private finished = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tenantId: string,
    private readonly settings: string,
  ) {}

  usableFor(tenantId: string): boolean {
    return !this.broken && !this.finished && tenantId === this.tenantId;
  }

  /**
   * Runs `work` inside the shared transaction; when the transaction cannot
   * serve it (a sibling broke it, or `work` writes), runs it in a
   * transaction of its own with `alone`.
   */
  async run<T>(work: (em: EntityManager) => Promise<T>, alone: () => Promise<T>): Promise<T> {
    let em: EntityManager;
    try {
      em = await this.entityManager();
    } catch {
      this.broken = true;
      return alone();
    }
    try {
      return await work(em);
    } catch (err) {
      const code = pgErrorCode(err);
      if (code === undefined) throw err;
      this.broken = true;
      if (NOT_THIS_FIELDS_FAULT.has(code)) return alone();
      throw err;
    }
  }

  private entityManager(): Promise<EntityManager> {
    this.manager ??= new Promise<EntityManager>((resolve, reject) => {
      const runner = this.dataSource.createQueryRunner();
      startWith(runner, `START TRANSACTION READ ONLY; ${this.settings}`);
      const ended = new Promise<void>((end) => (this.release = end));
      this.done = runner.manager
        .transaction(async (em) => {
          oneQueryAtATime(runner);
          resolve(em);
          await ended;
        })
        .catch(reject)
        .finally(() => runner.release());
    });
    return this.manager;
  }

  async finish(): Promise<void> {
    this.finished = true;
    this.release?.();
    // A commit after a failed statement ends the transaction as a rollback, with no error: nothing was written either way.
    await this.done?.catch(() => undefined);
  }
}

/**
 * Fields send their reads concurrently; one connection runs one statement at
 * a time. pg would queue them itself, but that is deprecated (pg 9 refuses
 * it), so the runner queues them here, in the order they were sent.
 */
function oneQueryAtATime(runner: QueryRunner): void {
  const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
  let previous: Promise<unknown> = Promise.resolve();
  runner.query = ((...args: unknown[]) => {
    const next = previous.then(() => query(...args));
    previous = next.catch(() => undefined);
    return next;
  }) as QueryRunner['query'];
}

const requests = new AsyncLocalStorage<RequestReads>();

/** Runs `next` (the rest of a request's handling) with a RequestReads of its own. */
export function withRequestReads<T>(reads: RequestReads, next: () => T): T {
  return requests.run(reads, next);
}

/** The current request's reads, if the code runs inside one. */
export function currentRequestReads(): RequestReads | undefined {
  return requests.getStore();
}

/**
 * Sends `statement` instead of TypeORM's `START TRANSACTION` on this runner,
 * as one simple-protocol message (the settings must be literals: a
 * multi-statement message takes no parameters). TypeORM still does its own
 * bookkeeping (transaction depth, commit, rollback).
 */
export function startWith(runner: QueryRunner, statement: string): void {
  const query = runner.query.bind(runner);
  runner.query = ((sql: string, parameters?: unknown[], ...rest: unknown[]) => {
    if (sql !== 'START TRANSACTION') return (query as (...args: unknown[]) => Promise<unknown>)(sql, parameters, ...rest);
    runner.query = query;
    return query(statement);
  }) as QueryRunner['query'];
}

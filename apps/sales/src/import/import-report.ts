import { GraphQLError } from 'graphql';
import type { AccountDuplicateCandidate } from '../duplicates/account-duplicates.service';
import type { DuplicateCandidate } from '../duplicates/duplicates.service';

export type ImportStatus = 'CREATED' | 'UPDATED' | 'SKIPPED' | 'INVALID';

export interface ImportRowResult {
  rowNumber: number;
  status: ImportStatus;
  id: string | null;
  /** Machine-readable reason: INVALID_FIELD, ALREADY_EXISTS, NOT_WRITABLE, UNCHANGED, DUPLICATE, DUPLICATE_IN_BATCH, POSSIBLE_DUPLICATE, NO_ACCOUNT. */
  code: string | null;
  field: string | null;
  reason: string | null;
  /** Contact rows: candidates by the contact rules. */
  duplicates: DuplicateCandidate[];
  /** Account rows: candidates by the account rules. */
  accountDuplicates: AccountDuplicateCandidate[];
}

export interface ImportResult {
  rows: ImportRowResult[];
  created: number;
  updated: number;
  skipped: number;
  invalid: number;
}

/** One result per row, numbered from `firstRowNumber`; INVALID until a step says otherwise. */
export function newRowResults(count: number, firstRowNumber: number): ImportRowResult[] {
  return Array.from({ length: count }, (_, i) => ({
    rowNumber: firstRowNumber + i,
    status: 'INVALID' as const,
    id: null,
    code: null,
    field: null,
    reason: null,
    duplicates: [],
    accountDuplicates: [],
  }));
}

/** The report with its per-status counts. */
export function summarise(rows: ImportRowResult[]): ImportResult {
  const count = (s: ImportStatus) => rows.filter((r) => r.status === s).length;
  return { rows, created: count('CREATED'), updated: count('UPDATED'), skipped: count('SKIPPED'), invalid: count('INVALID') };
}

export function skip(r: ImportRowResult, code: string, reason: string): ImportRowResult {
  return Object.assign(r, { status: 'SKIPPED' as const, code, reason });
}

/** A validation error becomes INVALID with its field; anything else is re-thrown (it is a fault, not bad data). */
export function invalid(r: ImportRowResult, err: unknown): void {
  if (err instanceof GraphQLError && (err.extensions?.code === 'BAD_USER_INPUT' || err.extensions?.code === 'CONFLICT')) {
    Object.assign(r, {
      status: 'INVALID',
      id: null,
      code: 'INVALID_FIELD',
      field: (err.extensions.field as string) ?? null,
      reason: err.message,
    });
    return;
  }
  throw err;
}

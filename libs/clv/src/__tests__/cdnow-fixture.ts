// Test helper: the CDNOW sample (see ../__fixtures__/cdnow/README.md), read
// once per spec file. Lives in __tests__ so library builds leave it out.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCdnowTransactions, type CdnowTransaction } from '../cdnow-parser';
import { summarizeTransactions, type CustomerSummary } from '../summary';

const FIXTURE_DIRECTORY = join(__dirname, '..', '__fixtures__', 'cdnow');

/** Calibration period of the published analyses: 1997-01-01 .. 1997-09-30. */
export const CDNOW_CALIBRATION_END = new Date(Date.UTC(1997, 8, 30));
export const DAYS_PER_WEEK = 7;

/** One row of cdnow_customers_summary_with_transactions.csv (rounded to 2 dp). */
export interface PublishedSummaryRow {
  readonly id: string;
  readonly x: number;
  readonly tx: number;
  readonly T: number;
  readonly zbar: number;
}

let transactions: CdnowTransaction[] | undefined;
let summaries: CustomerSummary[] | undefined;
let published: PublishedSummaryRow[] | undefined;

export function cdnowTransactions(): CdnowTransaction[] {
  transactions ??= parseCdnowTransactions(readFileSync(join(FIXTURE_DIRECTORY, 'CDNOW_sample.txt'), 'utf8'));
  return transactions;
}

/** Summary derived from the raw transactions, weeks, calibration end 1997-09-30. */
export function cdnowSummaries(): CustomerSummary[] {
  summaries ??= summarizeTransactions(cdnowTransactions(), {
    calibrationEnd: CDNOW_CALIBRATION_END,
    daysPerUnit: DAYS_PER_WEEK,
  });
  return summaries;
}

export function publishedCdnowSummary(): PublishedSummaryRow[] {
  if (published === undefined) {
    const text = readFileSync(join(FIXTURE_DIRECTORY, 'cdnow_customers_summary_with_transactions.csv'), 'utf8');
    const [header, ...lines] = text.trim().split(/\r?\n/);
    if (header.trim() !== 'ID,x,t_x,T,zbar') throw new Error(`unexpected CSV header: ${header}`);
    published = lines.map((line) => {
      const [id, x, tx, T, zbar] = line.split(',');
      return { id, x: Number(x), tx: Number(tx), T: Number(T), zbar: Number(zbar) };
    });
  }
  return published;
}

/** Expect `actual` to equal `expected` to a relative tolerance (default: 3 significant digits). */
export function expectRelativelyClose(actual: number, expected: number, relativeTolerance = 5e-4): void {
  const relativeError = Math.abs(actual - expected) / Math.abs(expected);
  if (!(relativeError <= relativeTolerance)) {
    throw new Error(`expected ${actual} to be within ${relativeTolerance} (relative) of ${expected}, off by ${relativeError}`);
  }
}

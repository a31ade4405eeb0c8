// Parser for the CDNOW sample (Fader & Hardie's 1/10th sample, as shipped by
// the `lifetimes` project): whitespace-separated columns
//   master id, sample id, date (yyyymmdd), number of CDs, dollars.
// It is the reference data set for BG/NBD and Gamma-Gamma, used by the tests
// and handy for seeding demo tenants.

import type { Transaction } from './summary';

export interface CdnowTransaction extends Transaction {
  readonly masterId: string;
  readonly quantity: number;
}

/**
 * Parse the raw text. `customerId` is the sample id without leading zeros,
 * matching the ID column of the published summary file.
 */
export function parseCdnowTransactions(text: string): CdnowTransaction[] {
  const transactions: CdnowTransaction[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length === 1 && fields[0] === '') return; // blank line
    if (fields.length !== 5) {
      throw new SyntaxError(`CDNOW line ${index + 1}: expected 5 columns, got ${fields.length}`);
    }
    const [masterId, sampleId, yyyymmdd, quantity, dollars] = fields;
    const match = /^(\d{4})(\d{2})(\d{2})$/.exec(yyyymmdd);
    if (match === null) throw new SyntaxError(`CDNOW line ${index + 1}: bad date "${yyyymmdd}"`);
    const amount = Number(dollars);
    if (!Number.isFinite(amount)) throw new SyntaxError(`CDNOW line ${index + 1}: bad amount "${dollars}"`);
    transactions.push({
      customerId: String(Number.parseInt(sampleId, 10)),
      masterId,
      at: new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))),
      quantity: Number(quantity),
      amount,
    });
  });
  return transactions;
}

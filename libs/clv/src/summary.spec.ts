import { cdnowSummaries, cdnowTransactions, publishedCdnowSummary } from './__tests__/cdnow-fixture';
import { parseCdnowTransactions } from './cdnow-parser';
import { groupByFrequencyRecency, groupBySpend } from './grouping';
import { summarizeTransactions, type Transaction } from './summary';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

describe('summarizeTransactions', () => {
  const transactions: Transaction[] = [
    { customerId: 'a', at: day('2024-01-01'), amount: 10 },
    { customerId: 'a', at: new Date('2024-01-01T18:30:00Z'), amount: 5 }, // same day as the first
    { customerId: 'a', at: day('2024-01-15'), amount: 20 },
    { customerId: 'a', at: new Date('2024-01-15T09:00:00Z'), amount: 4 }, // same day: summed to 24
    { customerId: 'a', at: day('2024-01-29'), amount: 30 },
    { customerId: 'a', at: day('2024-03-01'), amount: 999 }, // after the calibration end
    { customerId: 'b', at: day('2024-02-12'), amount: 7 },
    { customerId: 'c', at: day('2024-03-02'), amount: 1 }, // first purchase after the end
  ];
  const summaries = summarizeTransactions(transactions, { calibrationEnd: day('2024-02-26'), daysPerUnit: 7 });

  it('counts distinct repeat purchase days and measures time in units from the first purchase', () => {
    expect(summaries).toEqual([
      // days 0, 14, 28; end is day 56
      { customerId: 'a', x: 2, tx: 4, T: 8, monetaryValue: (24 + 30) / 2 },
      { customerId: 'b', x: 0, tx: 0, T: 2, monetaryValue: 0 },
    ]);
  });

  it('includes purchases on the calibration end day itself', () => {
    const [summary] = summarizeTransactions(
      [
        { customerId: 'a', at: day('2024-01-01'), amount: 1 },
        { customerId: 'a', at: new Date('2024-01-08T23:59:59Z'), amount: 3 },
      ],
      { calibrationEnd: day('2024-01-08'), daysPerUnit: 1 },
    );
    expect(summary).toMatchObject({ x: 1, tx: 7, T: 7, monetaryValue: 3 });
  });

  it('groups identical statistics into weighted rows', () => {
    const rows = [
      { x: 0, tx: 0, T: 5 },
      { x: 1, tx: 2, T: 5 },
      { x: 0, tx: 0, T: 5 },
      { x: 1, tx: 2, T: 5, weight: 3 },
    ];
    expect(groupByFrequencyRecency(rows)).toEqual([
      { x: 0, tx: 0, T: 5, weight: 2 },
      { x: 1, tx: 2, T: 5, weight: 4 },
    ]);
    expect(
      groupBySpend([
        { x: 2, monetaryValue: 10 },
        { x: 2, monetaryValue: 10 },
        { x: 1, monetaryValue: 10 },
      ]),
    ).toEqual([
      { x: 2, monetaryValue: 10, weight: 2 },
      { x: 1, monetaryValue: 10, weight: 1 },
    ]);
  });
});

describe('parseCdnowTransactions', () => {
  it('reads the fixed-width columns into UTC-dated transactions', () => {
    const parsed = parseCdnowTransactions(' 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n');
    expect(parsed).toEqual([
      { customerId: '1', masterId: '00004', at: day('1997-01-01'), quantity: 2, amount: 29.33 },
      { customerId: '1', masterId: '00004', at: day('1997-01-18'), quantity: 2, amount: 29.73 },
    ]);
  });

  it('rejects malformed lines with their line number', () => {
    expect(() => parseCdnowTransactions(' 00004 0001 1997-01-01 2 29.33')).toThrow(/line 1: bad date/);
    expect(() => parseCdnowTransactions('1 2 3')).toThrow(/line 1: expected 5 columns/);
  });
});

describe('CDNOW summary derived from the raw transactions', () => {
  it('parses all 6,919 transactions of 2,357 customers', () => {
    expect(cdnowTransactions()).toHaveLength(6919);
    expect(cdnowSummaries()).toHaveLength(2357);
  });

  it('equals the published summary (x, t_x, T, zbar) for every customer', () => {
    const derived = new Map(cdnowSummaries().map((summary) => [summary.customerId, summary]));
    const published = publishedCdnowSummary();
    expect(published).toHaveLength(2357);
    const mismatches = published.filter((row) => {
      const summary = derived.get(row.id);
      // The CSV is rounded to 2 decimals.
      const close = (a: number, b: number) => Math.abs(a - b) <= 0.005 + 1e-9;
      return (
        summary === undefined ||
        summary.x !== row.x ||
        !close(summary.tx, row.tx) ||
        !close(summary.T, row.T) ||
        !close(summary.monetaryValue, row.zbar)
      );
    });
    expect(mismatches).toEqual([]);
  });

  it('has 946 repeat buyers', () => {
    expect(cdnowSummaries().filter((summary) => summary.x > 0)).toHaveLength(946);
  });
});

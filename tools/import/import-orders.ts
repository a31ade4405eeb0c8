/**
 * Bulk import of orders from a CSV file through the gateway.
 * Streams the file and sends batches (≤ 10,000, default 5,000) to the bulk
 * route `POST /orders/bulk` as NDJSON — recordOrders' validation, events and
 * idempotency by (source, external order id), without GraphQL's cost per
 * input object — a few batches in flight, and prints a summary and orders/s.
 *
 *   node -r @swc-node/register tools/import/import-orders.ts orders.csv \
 *     [--batch 5000] [--concurrency 4] [--url http://localhost:4000/graphql] [--report report.csv]
 *
 * Columns: source, external_order_id, contact_id | customer_source + customer_key,
 * occurred_at, amount, currency, channel, status (see order-csv.ts).
 * Auth: RAPPORT_TOKEN (a bearer token), or --tenant/--email/--password to log in.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { CsvParser, csvField, type CsvRecord } from './csv';
import { parseArgs } from './import-csv';
import { csvColumnOf, orderCsvColumns, OrderCsvError, orderFromCsvRecord, type CsvOrderInput, type OrderCsvColumns } from './order-csv';
import { createRapportClient, RapportError, type RapportClient, type RapportClientOptions } from '@rapport/sdk';
import { connectionFromFlags } from './connection';
import { IMPORT_ORDERS_USAGE, wantsHelp } from './usage';

export type OrderImportOptions = RapportClientOptions & {
  file: string;
  batchSize: number;
  concurrency: number;
  report?: string;
};

export interface OrderImportSummary {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  seconds: number;
  ordersPerSecond: number;
}

interface Rejection {
  row: number;
  /** The line of the file the row starts on (differs from the row after blank lines or multi-line cells). */
  line: number;
  /** The CSV column to fix, when the error maps to one. */
  column: string | null;
  /** The field as recordOrders named it (or the column, for what the CLI refused itself). */
  field: string;
  message: string;
}

export async function runOrderImport(opts: OrderImportOptions, log: (line: string) => void = console.log): Promise<OrderImportSummary> {
  // The SDK keeps a login alive past one access token (an import outlives one) and waits out rate limits.
  const client = createRapportClient(opts);
  const report: WriteStream | null = opts.report ? createWriteStream(opts.report) : null;
  report?.write('row,line,column,field,message\n');
  const reject = (r: Rejection) => {
    totals.rejected++;
    report?.write([String(r.row), String(r.line), r.column ?? '', r.field, r.message].map(csvField).join(',') + '\n');
  };

  const totals = { rows: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };
  const started = process.hrtime.bigint();
  let columns: OrderCsvColumns | null = null;
  let batch: { row: number; line: number; order: CsvOrderInput }[] = [];
  let row = 1; // the header is row 1; data rows are numbered as in a spreadsheet
  const inFlight = new Set<Promise<void>>();
  let failure: Error | null = null;

  const sendBatch = async (items: { row: number; line: number; order: CsvOrderInput }[]) => {
    const r = await postBulk(
      client,
      items.map((i) => i.order),
    );
    totals.created += r.created;
    totals.updated += r.updated;
    totals.unchanged += r.unchanged;
    for (const rejection of r.rejections) {
      const { row, line } = items[rejection.index];
      reject({ row, line, column: csvColumnOf(rejection.field), field: rejection.field, message: rejection.message });
    }
    log(
      `rows ${items[0].row}–${items[items.length - 1].row}: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejected} rejected`,
    );
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    const p: Promise<void> = sendBatch(items)
      .catch((err: Error) => {
        failure ??= err;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    while (inFlight.size >= opts.concurrency) await Promise.race(inFlight);
    if (failure) throw failure;
  };

  const take = async (records: CsvRecord[]) => {
    for (const { fields: record, line } of records) {
      if (!columns) {
        columns = orderCsvColumns(record);
        continue;
      }
      row++;
      totals.rows++;
      try {
        batch.push({ row, line, order: orderFromCsvRecord(columns, record) });
      } catch (err) {
        if (!(err instanceof OrderCsvError)) throw err;
        reject({ row, line, column: err.column, field: err.column, message: err.message });
      }
      if (batch.length >= opts.batchSize) await flush();
    }
  };

  const parser = new CsvParser();
  for await (const chunk of createReadStream(opts.file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    await take(parser.pushRecords(chunk as string));
  }
  await take(parser.endRecords());
  await flush();
  await Promise.all(inFlight);
  if (failure) throw failure;
  await new Promise<void>((resolve) => (report ? report.end(resolve) : resolve()));

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { ...totals, seconds, ordersPerSecond: totals.rows / seconds };
}

/** The bulk route's answer: counts, and the rejected lines with recordOrders' field and message. */
interface BulkAnswer {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  rejections: { index: number; field: string; message: string }[];
}

/** One batch to `POST /orders/bulk` (the client waits out rate limits and renews the token); a refusal throws. */
async function postBulk(client: RapportClient, orders: CsvOrderInput[]): Promise<BulkAnswer> {
  const body = orders.map((o) => JSON.stringify(o)).join('\n') + '\n';
  const res = await client.http('/orders/bulk', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
  const answer = (await res.json().catch(() => null)) as (BulkAnswer & { code?: string; message?: string }) | null;
  if (res.ok && answer) return answer;
  throw new RapportError(
    `${answer?.message ?? `the bulk route answered HTTP ${res.status}`}`,
    answer?.code ?? 'SERVICE_UNAVAILABLE',
    [],
    null,
    res.status,
  );
}

export function orderImportOptionsFromArgs(argv: string[], env: NodeJS.ProcessEnv): OrderImportOptions {
  const { positional, flags } = parseArgs(argv);
  if (positional.length !== 1) throw new Error('usage: import-orders <file.csv> [--batch 5000] [--concurrency 4] [options]');
  const batchSize = Number(flags.batch ?? 5000);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error('--batch must be 1–10000');
  const concurrency = Number(flags.concurrency ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) throw new Error('--concurrency must be 1–32');
  return {
    file: positional[0],
    ...connectionFromFlags(flags, env),
    batchSize,
    concurrency,
    report: flags.report,
  };
}

if (require.main === module) {
  (async () => {
    if (wantsHelp(process.argv.slice(2))) return console.log(IMPORT_ORDERS_USAGE);
    const opts = orderImportOptionsFromArgs(process.argv.slice(2), process.env);
    const s = await runOrderImport(opts);
    console.log(
      `${s.rows} orders in ${s.seconds.toFixed(1)} s (${Math.round(s.ordersPerSecond)} orders/s): ` +
        `${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.rejected} rejected`,
    );
    if (s.rejected > 0) process.exitCode = 2;
  })().catch((err: Error) => {
    console.error(`import failed: ${err.message}\n(import-orders --help for usage)`);
    process.exitCode = 1;
  });
}

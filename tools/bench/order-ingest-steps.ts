/**
 * The order-ingest steps `bench:analytics` and `bench:ingest` share: a
 * synthetic tenant's customers (sales importRecords) and orders, sent
 * through the bulk CSV importer (recordOrders) or published on NATS as
 * `commerce.order.placed`, plus the flag reader and the summary table.
 */
import { createWriteStream } from 'node:fs';
import { seededRandom } from '@rapport/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageHeaders, publishAll, type OutgoingMessage } from '@rapport/messaging';
import { connect } from 'nats';
import { v7 as uuidv7 } from 'uuid';
import { runOrderImport, type OrderImportSummary } from '../import/import-orders';
import { gql as gatewayGql } from './gateway-gql';

export type Row = [string, string, string];

/** `--name value` numbers from argv, with a default. */
export function numberFlags(args: readonly string[]): (name: string, fallback: number) => number {
  return (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    const value = i >= 0 ? Number(args[i + 1]) : fallback;
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
    return value;
  };
}

export const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
/** Acknowledgements wait long on a loaded machine (the default 5 s timed out at load 30). */
const PUBLISH_TIMEOUT_MS = 120_000;
/** Orders published before waiting for their acknowledgements. */
const PUBLISH_WINDOW = 5000;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const DAY = 86_400_000;
const HISTORY_DAYS = 730;

/** `url` is the gateway's base (without /graphql). */
export function gql<T = any>(url: string, query: string, variables: unknown, token?: string): Promise<T> {
  return gatewayGql<T>(`${url}/graphql`, query, variables, token);
}

export interface SyntheticOrder {
  source: string;
  externalOrderId: string;
  customerKey: string;
  occurredAt: string;
  amount: string;
  status: 'PLACED' | 'CANCELLED' | 'REFUNDED';
  channel: string;
}

/** Who the orders are for and how they are named: customers C0…C(n-1) under `customerSource`. */
export interface OrderTenant {
  run: string;
  customers: number;
  customerSource: string;
}

/**
 * Orders for the tenant's customers: who buys is skewed (a few buy often),
 * times spread over two years ending `now`, amounts 5–500, 2 % cancelled
 * and 2 % refunds.
 */
export function* syntheticOrders(tenant: OrderTenant, count: number, source: string, seed: number, now: number): Generator<SyntheticOrder> {
  const random = seededRandom(seed);
  for (let i = 0; i < count; i++) {
    const customer = Math.floor(tenant.customers * random() ** 2);
    const occurredAt = new Date(now - Math.floor(random() * HISTORY_DAYS * DAY) - 60_000).toISOString();
    const roll = random();
    const status = roll < 0.02 ? 'CANCELLED' : roll < 0.04 ? 'REFUNDED' : 'PLACED';
    const value = (5 + random() * 495).toFixed(2);
    yield {
      source,
      externalOrderId: `${tenant.run}-${i}`,
      customerKey: `C${customer}`,
      occurredAt,
      amount: status === 'REFUNDED' ? `-${value}` : value,
      status,
      channel: random() < 0.7 ? 'web' : 'store',
    };
  }
}

/** The tenant's customers through sales `importRecords` (1000 rows a call, `concurrency` calls in flight), each with its external id. */
export async function createCustomers(
  url: string,
  token: string,
  tenant: OrderTenant,
  concurrency: number,
): Promise<{ created: number; s: number }> {
  const header = ['First name', 'Last name', 'Customer no'];
  const mapping = [
    { column: 'First name', field: 'firstName' },
    { column: 'Last name', field: 'lastName' },
    { column: 'Customer no', field: 'externalId' },
  ];
  const started = process.hrtime.bigint();
  let created = 0;
  const batches: number[] = [];
  for (let first = 0; first < tenant.customers; first += 1000) batches.push(first);
  const worker = async () => {
    for (let first = batches.shift(); first !== undefined; first = batches.shift()) {
      const rows: string[][] = [];
      for (let i = first; i < Math.min(first + 1000, tenant.customers); i++) rows.push(['Bench', `Customer ${i}`, `C${i}`]);
      const data = await gql(
        url,
        `mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { created invalid } }`,
        {
          input: {
            kind: 'CONTACT',
            mapping,
            header,
            rows,
            options: { duplicatePolicy: 'ALLOW', externalIdSource: tenant.customerSource, source: 'bench', firstRowNumber: first + 1 },
          },
        },
        token,
      );
      created += data.importRecords.created;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { created, s: seconds(started) };
}

export async function ordersCount(url: string, token: string): Promise<number> {
  return (await gql(url, `{ orders(first: 1) { totalCount } }`, {}, token)).orders.totalCount;
}

export const ORDER_CSV_HEADER = 'source,external_order_id,customer_source,customer_key,occurred_at,amount,currency,channel,status';

export function orderCsvLine(tenant: OrderTenant, o: SyntheticOrder): string {
  return `${o.source},${o.externalOrderId},${tenant.customerSource},${o.customerKey},${o.occurredAt},${o.amount},EUR,${o.channel},${o.status}`;
}

/** Writes `orders` to a temporary CSV file, gives its path to `use`, and removes it afterwards. */
export async function withOrderCsv<T>(
  tenant: OrderTenant,
  orders: Iterable<SyntheticOrder>,
  use: (file: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'rapport-bench-'));
  try {
    const file = join(dir, 'orders.csv');
    const out = createWriteStream(file);
    out.write(`${ORDER_CSV_HEADER}\n`);
    for (const o of orders) {
      if (!out.write(`${orderCsvLine(tenant, o)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The orders CSV importer (tools/import/import-orders.ts → POST /orders/bulk) on `file`, progress every 10 s. */
export async function bulkIngest(
  url: string,
  token: string,
  file: string,
  options: { batch: number; concurrency: number },
): Promise<OrderImportSummary> {
  let lastLog = 0;
  return runOrderImport({ file, url: `${url}/graphql`, token, batchSize: options.batch, concurrency: options.concurrency }, (line) => {
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      console.log(`  bulk: ${line}`);
    }
  });
}

export function tenantOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { tid: string };
  return payload.tid;
}

export interface NatsIngestResult {
  stored: number;
  publishS: number;
  /** Stored when the last publish was acknowledged: what is left then is the consumers' backlog, drained at their own rate. */
  storedAtPublish: number;
  s: number;
  complete: boolean;
}

/**
 * Publishes `orders` as `commerce.order.placed` (standard envelope, 5000 in
 * flight) and times until analytics' `orders` count shows them all stored,
 * or `timeoutS` passed.
 */
export async function natsIngest(
  url: string,
  token: string,
  tenant: OrderTenant,
  orders: SyntheticOrder[] | Iterable<SyntheticOrder>,
  count: number,
  options: {
    subjectPrefix: string;
    timeoutS: number;
    /**
     * The tenant's stored orders, polled every 250 ms while the backlog drains (default: `orders { totalCount }`
     * through the gateway). A bench that starts the platform counts in SQL: the list's first page counts every
     * order of the tenant and sorts them all (count(*) OVER ()) on analytics' own connections, so polling it added
     * to the very CPU per order the step reports.
     */
    storedCount?: () => Promise<number>;
  },
): Promise<NatsIngestResult> {
  const storedCount = options.storedCount ?? (() => ordersCount(url, token));
  const tenantId = tenantOf(token);
  const prefix = options.subjectPrefix ? `${options.subjectPrefix}.` : '';
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  const before = await storedCount();
  const started = process.hrtime.bigint();
  let window: OutgoingMessage[] = [];
  // One reply subscription per window (publishAll, as the outbox relay publishes) rather than a request per order:
  // the publisher shares the machine with the consumers it measures, and at the load of a shared machine its requests
  // held publishing below the consumers' rate, leaving no backlog to measure them by.
  const send = async () => {
    await publishAll(nc, window, PUBLISH_TIMEOUT_MS);
    window = [];
  };
  try {
    for (const o of orders) {
      const event = {
        id: uuidv7(),
        type: 'commerce.order.placed',
        version: 1,
        tenantId,
        occurredAt: new Date().toISOString(),
        actor: { kind: 'system', id: null },
        subjectId: o.externalOrderId,
        data: {
          order: {
            source: o.source,
            externalOrderId: o.externalOrderId,
            externalCustomer: { source: tenant.customerSource, key: o.customerKey },
            occurredAt: o.occurredAt,
            amount: o.amount,
            currency: 'EUR',
            channel: o.channel,
            status: o.status,
          },
        },
      };
      window.push({
        subject: `${prefix}commerce.order.placed`,
        data: Buffer.from(JSON.stringify(event)),
        headers: messageHeaders(event.type, null, event.id),
      });
      if (window.length >= PUBLISH_WINDOW) await send();
    }
    await send();
  } finally {
    await nc.drain();
  }
  const publishS = seconds(started);
  let stored = (await storedCount()) - before;
  const storedAtPublish = stored;
  console.log(`  nats: ${count} published in ${publishS.toFixed(1)} s, ${storedAtPublish} stored by then`);
  let lastLog = Date.now();
  const deadline = Date.now() + options.timeoutS * 1000;
  while (stored < count && Date.now() < deadline) {
    stored = (await storedCount()) - before;
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      console.log(`  nats: ${stored}/${count} stored after ${seconds(started).toFixed(0)} s`);
    }
    if (stored < count) await sleep(250);
  }
  return { stored, publishS, storedAtPublish, s: seconds(started), complete: stored >= count };
}

export function printTable(title: string, rows: readonly Row[]): void {
  if (rows.length === 0) return;
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const line = `+${w.map((n) => '-'.repeat(n + 2)).join('+')}+`;
  console.log(`\n${title}`);
  console.log(line);
  for (const r of rows) console.log(`| ${r.map((cell, i) => cell.padEnd(w[i])).join(' | ')} |`);
  console.log(line);
}

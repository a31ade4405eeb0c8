/**
 * `npm run bench:analytics`: a synthetic tenant through the real
 * platform, timed step by step.
 *
 *   1. customers: `--customers` contacts via the sales `importRecords` mutation
 *      (1000 rows a call), each with an external id (source `bench-<run>`);
 *   2. bulk ingest: `--orders` orders written to a CSV and sent with the
 *      orders CSV importer (tools/import/import-orders.ts → `recordOrders`),
 *      the customer given as that external id (resolved through the
 *      customer master, late-arriving contacts included);
 *   3. NATS ingest: `--nats-orders` (default = --orders) more orders published
 *      as `commerce.order.placed` in the standard envelope, timed until the
 *      analytics `orders` count shows them all stored (or --nats-timeout s);
 *   4. `recomputeRfm`; 5. `fitClvModel` then `clvModel` polled until FITTED or
 *      FAILED; 6. scoring: until the top customer's `Contact.value` carries
 *      the new model (the full scoring after a fit is one statement).
 *
 * Flags: --customers (100000) --orders (1000000) --nats-orders (= orders)
 * --batch (1000, orders per recordOrders call) --concurrency (4) --nats-timeout (900).
 *
 * Then the scoring bench (clv-scoring-bench.ts), each size on a fresh
 * platform run: --scoring-customers (100000; 0 skips it), --scoring-million
 * (also 1,000,000 customers), --scoring-only (skip steps 1–6),
 * --scoring-timeout (900 s per scoring). It prints the scoring rate
 * (customers/s, from clvScoringRun), the fit time, and cohortRetention and
 * recomputeRfm times without and with planner statistics.
 * Starts the platform like `npm run bench` (or uses BENCH_GATEWAY_URL and
 * BENCH_SALES_URL): services on ports 4100–4104, isolated by a run id
 * (schema suffix, subject prefix, stream suffix, Redis prefix) whose data is
 * removed afterwards, so it can run beside `npm start` and other work. NATS
 * at NATS_URL (default nats://127.0.0.1:4222). Every run also uses fresh
 * sources and ids, so it can run against a used platform given by URL.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { v7 as uuidv7 } from 'uuid';
import { runOrderImport } from '../import/import-orders';
import { benchClvScoring } from './clv-scoring-bench';
import { benchPlatform } from './platform-process';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
  return value;
};
const customers = flag('customers', 100_000);
const orders = flag('orders', 1_000_000);
const natsOrders = flag('nats-orders', orders);
const batch = flag('batch', 1000);
const concurrency = flag('concurrency', 4);
const natsTimeoutS = flag('nats-timeout', 900);
const scoringCustomers = flag('scoring-customers', 100_000);
const scoringTimeoutS = flag('scoring-timeout', 900);
const scoringOnly = args.includes('--scoring-only');
const scoringSizes = [scoringCustomers, ...(args.includes('--scoring-million') ? [1_000_000] : [])].filter((n) => n > 0);

const run = Date.now().toString(36);
const customerSource = `bench-${run}`;
const DAY = 86_400_000;
const HISTORY_DAYS = 730;

/** mulberry32: the same synthetic tenant for the same sizes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SyntheticOrder {
  source: string;
  externalOrderId: string;
  customerKey: string;
  occurredAt: string;
  amount: string;
  status: 'PLACED' | 'CANCELLED' | 'REFUNDED';
  channel: string;
}

/**
 * Orders for `customers` customers: who buys is skewed (a few buy often),
 * times spread over two years ending now, amounts 5–500, 2 % cancelled and
 * 2 % refunds.
 */
function* syntheticOrders(count: number, source: string, seed: number, now: number): Generator<SyntheticOrder> {
  const random = prng(seed);
  for (let i = 0; i < count; i++) {
    const customer = Math.floor(customers * random() ** 2);
    const occurredAt = new Date(now - Math.floor(random() * HISTORY_DAYS * DAY) - 60_000).toISOString();
    const roll = random();
    const status = roll < 0.02 ? 'CANCELLED' : roll < 0.04 ? 'REFUNDED' : 'PLACED';
    const value = (5 + random() * 495).toFixed(2);
    yield {
      source,
      externalOrderId: `${run}-${i}`,
      customerKey: `C${customer}`,
      occurredAt,
      amount: status === 'REFUNDED' ? `-${value}` : value,
      status,
      channel: random() < 0.7 ? 'web' : 'store',
    };
  }
}

async function gql<T = any>(url: string, query: string, variables: unknown, token?: string): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createCustomers(url: string, token: string): Promise<{ created: number; s: number }> {
  const header = ['First name', 'Last name', 'Customer no'];
  const mapping = [
    { column: 'First name', field: 'firstName' },
    { column: 'Last name', field: 'lastName' },
    { column: 'Customer no', field: 'externalId' },
  ];
  const started = process.hrtime.bigint();
  let created = 0;
  const batches: number[] = [];
  for (let first = 0; first < customers; first += 1000) batches.push(first);
  const worker = async () => {
    for (let first = batches.shift(); first !== undefined; first = batches.shift()) {
      const rows: string[][] = [];
      for (let i = first; i < Math.min(first + 1000, customers); i++) rows.push(['Bench', `Customer ${i}`, `C${i}`]);
      const data = await gql(
        url,
        `mutation ($input: ImportRecordsInput!) { importRecords(input: $input) { created invalid } }`,
        {
          input: {
            kind: 'CONTACT',
            mapping,
            header,
            rows,
            options: { duplicatePolicy: 'ALLOW', externalIdSource: customerSource, source: 'bench', firstRowNumber: first + 1 },
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

async function ordersCount(url: string, token: string): Promise<number> {
  return (await gql(url, `{ orders(first: 1) { totalCount } }`, {}, token)).orders.totalCount;
}

async function bulkIngest(url: string, token: string, now: number) {
  const dir = await mkdtemp(join(tmpdir(), 'rapport-bench-'));
  try {
    const file = join(dir, 'orders.csv');
    const out = createWriteStream(file);
    out.write('source,external_order_id,customer_source,customer_key,occurred_at,amount,currency,channel,status\n');
    for (const o of syntheticOrders(orders, 'bench-csv', 1, now)) {
      const line = `${o.source},${o.externalOrderId},${customerSource},${o.customerKey},${o.occurredAt},${o.amount},EUR,${o.channel},${o.status}\n`;
      if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    let lastLog = 0;
    return await runOrderImport({ file, url: `${url}/graphql`, token, batchSize: batch, concurrency }, (line) => {
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        console.log(`  bulk: ${line}`);
      }
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function tenantOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { tid: string };
  return payload.tid;
}

async function natsIngest(url: string, token: string, now: number, subjectPrefix: string) {
  const tenantId = tenantOf(token);
  const prefix = subjectPrefix ? `${subjectPrefix}.` : '';
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  const js = nc.jetstream();
  const before = await ordersCount(url, token);
  const started = process.hrtime.bigint();
  let pending: Promise<unknown>[] = [];
  try {
    for (const o of syntheticOrders(natsOrders, 'bench-nats', 2, now)) {
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
            externalCustomer: { source: customerSource, key: o.customerKey },
            occurredAt: o.occurredAt,
            amount: o.amount,
            currency: 'EUR',
            channel: o.channel,
            status: o.status,
          },
        },
      };
      pending.push(js.publish(`${prefix}commerce.order.placed`, Buffer.from(JSON.stringify(event)), { msgID: event.id }));
      if (pending.length >= 2000) {
        await Promise.all(pending);
        pending = [];
      }
    }
    await Promise.all(pending);
  } finally {
    await nc.drain();
  }
  const publishS = seconds(started);
  console.log(`  nats: ${natsOrders} published in ${publishS.toFixed(1)} s`);
  let stored = 0;
  let lastLog = Date.now();
  const deadline = Date.now() + natsTimeoutS * 1000;
  while (stored < natsOrders && Date.now() < deadline) {
    stored = (await ordersCount(url, token)) - before;
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      console.log(`  nats: ${stored}/${natsOrders} stored after ${seconds(started).toFixed(0)} s`);
    }
    if (stored < natsOrders) await sleep(500);
  }
  const s = seconds(started);
  return { stored, publishS, s, complete: stored >= natsOrders };
}

async function ingestBench(): Promise<void> {
  console.log(
    `analytics bench — ${customers} customers, ${orders} orders (bulk), ${natsOrders} orders (NATS), ` +
      `batch ${batch}, concurrency ${concurrency}, Node ${process.version}, ${cpus().length} cores`,
  );
  const platform = await benchPlatform();
  if (platform.runId) console.log(`isolated run ${platform.runId} (schemas, streams and Redis keys removed afterwards)`);
  // Ctrl-C: still remove what the run created.
  process.once('SIGINT', () => {
    void platform.stop().finally(() => process.exit(130));
  });
  const rows: [string, string, string][] = [];
  try {
    const url = platform.gatewayUrl;
    const password = process.env.RAPPORT_DEMO_PASSWORD ?? 'rapport-demo';
    const { login } = await gql(url, `mutation ($i: LoginInput!) { login(input: $i) { accessToken } }`, {
      i: { tenant: 'demo', email: 'admin@demo.test', password },
    });
    const token: string = login.accessToken;
    const now = Date.now();

    const c = await createCustomers(url, token);
    console.log(`customers: ${c.created} created in ${c.s.toFixed(1)} s`);
    rows.push(['customers (sales importRecords)', `${c.created} in ${c.s.toFixed(1)} s`, `${Math.round(c.created / c.s)} contacts/s`]);

    if (orders > 0) {
      const b = await bulkIngest(url, token, now);
      console.log(`bulk: ${b.rows} orders in ${b.seconds.toFixed(1)} s (${b.created} created, ${b.rejected} rejected)`);
      rows.push([
        'ingest, bulk CSV → recordOrders',
        `${b.created} created, ${b.rejected} rejected in ${b.seconds.toFixed(1)} s`,
        `${Math.round(b.ordersPerSecond)} orders/s`,
      ]);
    }

    if (natsOrders > 0) {
      const n = await natsIngest(url, token, now, platform.subjectPrefix);
      rows.push([
        'ingest, NATS commerce.order.placed',
        `${n.stored}/${natsOrders} stored in ${n.s.toFixed(1)} s${n.complete ? '' : ' (timed out)'} (published in ${n.publishS.toFixed(1)} s)`,
        `${Math.round(n.stored / n.s)} orders/s`,
      ]);
    }

    const rfmStarted = process.hrtime.bigint();
    const { recomputeRfm } = await gql(url, `mutation { recomputeRfm { customersScored } }`, {}, token);
    const rfmS = seconds(rfmStarted);
    rows.push(['RFM recompute (recomputeRfm)', `${recomputeRfm.customersScored} customers in ${rfmS.toFixed(2)} s`, '']);

    const calibrationEnd = new Date(now - 90 * DAY).toISOString();
    const holdoutEnd = new Date(now - DAY).toISOString();
    const fitStarted = process.hrtime.bigint();
    const { fitClvModel } = await gql(
      url,
      `mutation ($input: FitClvModelInput!) { fitClvModel(input: $input) { id status } }`,
      { input: { calibrationEnd, holdoutEnd } },
      token,
    );
    let model: any = fitClvModel;
    while (model.status === 'QUEUED' || model.status === 'RUNNING') {
      await sleep(200);
      model = (await gql(url, `{ clvModel { id status customersUsed repeatBuyers fitTimeMs failureReason finishedAt } }`, {}, token))
        .clvModel;
    }
    const fitS = seconds(fitStarted);
    rows.push([
      'CLV fit (fitClvModel → clvModel)',
      `${model.status}${model.failureReason ? ` (${model.failureReason})` : ''}, ${model.customersUsed ?? 0} customers, ` +
        `job ${((model.fitTimeMs ?? 0) / 1000).toFixed(2)} s`,
      `${fitS.toFixed(2)} s wall`,
    ]);

    if (model.status === 'FITTED') {
      let run: any = null;
      while (seconds(fitStarted) < 600) {
        run = (await gql(url, `{ clvScoringRun { status done total startedAt finishedAt } }`, {}, token)).clvScoringRun;
        if (run && run.status !== 'RUNNING') break;
        await sleep(200);
      }
      const scoredS = run?.finishedAt ? (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000 : NaN;
      rows.push([
        'CLV scoring (all customers, clvScoringRun)',
        Number.isNaN(scoredS)
          ? 'not finished within 600 s'
          : `${run.status}: ${run.done}/${run.total} customers in ${scoredS.toFixed(2)} s`,
        Number.isNaN(scoredS) ? '' : `${Math.round(run.total / scoredS)} customers/s`,
      ]);
    }
  } finally {
    await platform.stop();
    printTable(rows);
  }
}

async function main(): Promise<void> {
  if (!scoringOnly) await ingestBench();
  for (const size of scoringSizes) {
    console.log(`\nCLV scoring bench — ${size} customers on a fresh platform run`);
    printTable(await benchClvScoring(size, scoringTimeoutS));
  }
}

function printTable(rows: [string, string, string][]): void {
  if (rows.length === 0) return;
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const line = `+${w.map((n) => '-'.repeat(n + 2)).join('+')}+`;
  console.log(`\nsummary (run ${run})`);
  console.log(line);
  for (const r of rows) console.log(`| ${r.map((cell, i) => cell.padEnd(w[i])).join(' | ')} |`);
  console.log(line);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

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
 * --scoring-timeout (900 s per scoring), --scoring-drain (wait for the events
 * between steps, ADR 074). It prints the scoring rate
 * (customers/s, from clvScoringRun), the fit time, and cohortRetention and
 * recomputeRfm times without and with planner statistics.
 * Starts the platform like `npm run bench` (or uses BENCH_GATEWAY_URL and
 * BENCH_SALES_URL): services on ports 4100–4104, isolated by a run id
 * (schema suffix, subject prefix, stream suffix, Redis prefix) whose data is
 * removed afterwards, so it can run beside `npm start` and other work. NATS
 * at NATS_URL (default nats://127.0.0.1:4222). Every run also uses fresh
 * sources and ids, so it can run against a used platform given by URL.
 */
import { cpus } from 'node:os';
import { benchClvScoring } from './clv-scoring-bench';
import {
  bulkIngest,
  createCustomers,
  DAY,
  gql,
  natsIngest,
  numberFlags,
  printTable,
  seconds,
  sleep,
  syntheticOrders,
  withOrderCsv,
  type OrderTenant,
  type Row,
} from './order-ingest-steps';
import { benchPlatform } from './platform-process';

const args = process.argv.slice(2);
const flag = numberFlags(args);
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
const tenant: OrderTenant = { run, customers, customerSource: `bench-${run}` };

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
  const rows: Row[] = [];
  try {
    const url = platform.gatewayUrl;
    const password = process.env.RAPPORT_DEMO_PASSWORD ?? 'rapport-demo';
    const { login } = await gql(url, `mutation ($i: LoginInput!) { login(input: $i) { accessToken } }`, {
      i: { tenant: 'demo', email: 'admin@demo.test', password },
    });
    const token: string = login.accessToken;
    const now = Date.now();

    const c = await createCustomers(url, token, tenant, concurrency);
    console.log(`customers: ${c.created} created in ${c.s.toFixed(1)} s`);
    rows.push(['customers (sales importRecords)', `${c.created} in ${c.s.toFixed(1)} s`, `${Math.round(c.created / c.s)} contacts/s`]);

    if (orders > 0) {
      const b = await withOrderCsv(tenant, syntheticOrders(tenant, orders, 'bench-csv', 1, now), (file) =>
        bulkIngest(url, token, file, { batch, concurrency }),
      );
      console.log(`bulk: ${b.rows} orders in ${b.seconds.toFixed(1)} s (${b.created} created, ${b.rejected} rejected)`);
      rows.push([
        'ingest, bulk CSV → recordOrders',
        `${b.created} created, ${b.rejected} rejected in ${b.seconds.toFixed(1)} s`,
        `${Math.round(b.ordersPerSecond)} orders/s`,
      ]);
    }

    if (natsOrders > 0) {
      const n = await natsIngest(url, token, tenant, syntheticOrders(tenant, natsOrders, 'bench-nats', 2, now), natsOrders, {
        subjectPrefix: platform.subjectPrefix,
        timeoutS: natsTimeoutS,
      });
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
      // BG/NBD, as earlier runs fitted it (the tenant default is MBG/NBD since ADR 081).
      { input: { calibrationEnd, holdoutEnd, kind: 'BG_NBD' } },
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
    printTable(`summary (run ${run})`, rows);
  }
}

async function main(): Promise<void> {
  if (!scoringOnly) await ingestBench();
  for (const size of scoringSizes) {
    console.log(`\nCLV scoring bench — ${size} customers on a fresh platform run`);
    printTable(`summary (run ${run})`, await benchClvScoring(size, scoringTimeoutS, args.includes('--scoring-drain')));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

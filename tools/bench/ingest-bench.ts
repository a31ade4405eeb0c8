/**
 * `npm run bench:ingest`: the data plane's ingest rates in one run, on one
 * isolated platform (like bench:analytics), against the raw speed of the
 * database:
 *
 *   1. customers: --customers contacts via sales importRecords (the orders' customers);
 *   2. raw COPY: the --orders rows of step 3, COPYed (pg-copy-streams, CSV)
 *      into a scratch table made `LIKE orders INCLUDING ALL` in analytics'
 *      schema (same columns, constraints and indexes), ids made in Node;
 *   3. bulk order ingest: the same orders as a CSV file through the orders
 *      CSV importer (tools/import/import-orders.ts → POST /orders/bulk), and
 *      its ratio to COPY;
 *   4. NATS ingest: --nats-orders more orders published as
 *      commerce.order.placed, timed until analytics has stored them all, and
 *      the ratio to COPY;
 *   5. marketing read-model ingest: --events sales.contact.created events,
 *      timed until marketing's read model holds them;
 *   5b. score events: a first scoring's tier, churn and value events for
 *      --score-customers customers, timed until every consumer of the
 *      ANALYTICS stream has acknowledged them (score-events.ts), with each
 *      consuming service's CPU per event;
 *   6. campaign sending: --campaign-contacts contacts seeded into marketing's
 *      read model, a campaign to all of them at --rate msgs/s into a local
 *      SMTP sink, measured over --send-seconds, with the CPU marketing's
 *      processes spent per message in that window;
 *   7. contact import: --contacts rows (names from small pools, so the fuzzy
 *      name rule finds candidates; unique e-mails and phones) through the
 *      CSV import CLI (tools/import/import-csv.ts → importRecords) with the
 *      tenant's duplicate rules on (policy WARN: every rule checked, rows
 *      still created).
 *
 * Flags (0 skips a step): --customers (20000) --orders (100000)
 * --nats-orders (100000) --events (20000) --score-customers (20000)
 * --campaign-contacts (20000)
 * --rate (2000) --send-seconds (20) --smtp-server-sink (0; 1 = smtp-server
 * as the campaign's sink instead of the lean counting one) --contacts (20000) --batch (1000, the
 * contact import's) --order-batch (5000, the orders CLI's) --concurrency (4)
 * --nats-timeout (600). The defaults finish in a few
 * minutes on a 2-core machine.
 *
 * --replicas (1): processes of each consuming service of steps 4 and 5
 * (analytics and marketing) on the same streams, durable consumers and
 * queues, as a Deployment scaled out runs them; compare --replicas 1 and 2.
 */
import { writeFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { v7 as uuidv7 } from 'uuid';
import { runImport } from '../import/import-csv';
import { waitForDelivery } from './delivery-drain';
import { runScoreEventIngest } from './score-events';
import { loginToken } from './gateway-gql';
import { marketingBenchEnv, runCampaignSend, runEventIngest, seedReadModel, startBenchMailbox } from './marketing-pieces';
import {
  bulkIngest,
  createCustomers,
  gql,
  natsIngest,
  numberFlags,
  printTable,
  seconds,
  syntheticOrders,
  tenantOf,
  withOrderCsv,
  type OrderTenant,
  type Row,
  type SyntheticOrder,
} from './order-ingest-steps';
import { benchPlatform } from './platform-process';
import { cpuSeconds, localPorts, processesRunning } from './process-cpu';
import { countsGrown, streamSubjectCounts } from './stream-counts';

const args = process.argv.slice(2);
const flag = numberFlags(args);
const customers = flag('customers', 20_000);
const orders = flag('orders', 100_000);
const natsOrders = flag('nats-orders', 100_000);
const events = flag('events', 20_000);
const scoreCustomers = flag('score-customers', 20_000);
const campaignContacts = flag('campaign-contacts', 20_000);
const rate = Math.max(1, flag('rate', 2000));
const sendSeconds = flag('send-seconds', 20);
const contacts = flag('contacts', 20_000);
const batch = flag('batch', 1000);
const orderBatch = flag('order-batch', 5000);
const concurrency = flag('concurrency', 4);
const natsTimeoutS = flag('nats-timeout', 600);
const replicas = Math.max(1, flag('replicas', 1));
/** --smtp-server-sink 1: the campaign step's sink is smtp-server (as before ADR 076) rather than the lean counting one. */
const smtpServerSink = flag('smtp-server-sink', 0) > 0;
/** The services whose consumers steps 4 and 5 measure: the ones a second replica speeds up. */
const CONSUMING = ['analytics', 'marketing'];

const run = Date.now().toString(36);
const tenant: OrderTenant = { run, customers, customerSource: `bench-${run}` };
const perSecond = (n: number, s: number) => Math.round(n / s);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** The streams whose events the NATS step counts. */
const PRODUCING_STREAMS = ['SALES', 'SERVICE', 'MARKETING', 'ANALYTICS', 'IDENTITY'];

/** COPY of `rows` into a fresh `LIKE orders INCLUDING ALL` table of analytics' schema; returns seconds (the table is dropped after). */
async function rawCopy(pg: Client, schema: string, tenantId: string, rows: SyntheticOrder[]): Promise<number> {
  const table = `"${schema}".bench_copy_orders`;
  await pg.query(`CREATE TABLE ${table} (LIKE "${schema}".orders INCLUDING ALL)`);
  try {
    const started = process.hrtime.bigint();
    const lines = function* () {
      for (const o of rows) {
        yield `${uuidv7()},${tenantId},${o.source},${o.externalOrderId},${tenant.customerSource},${o.customerKey},${o.occurredAt},${o.amount},EUR,${o.channel},${o.status}\n`;
      }
    };
    await pipeline(
      Readable.from(lines()),
      pg.query(
        copyFrom(
          `COPY ${table} (id, tenant_id, source, external_order_id, customer_source, customer_key, occurred_at, amount, currency, channel, status)
           FROM STDIN (FORMAT csv)`,
        ),
      ),
    );
    return seconds(started);
  } finally {
    await pg.query(`DROP TABLE ${table}`);
  }
}

const SERVICES = ['gateway', 'identity', 'sales', 'service', 'analytics', 'marketing'];

/**
 * CPU seconds so far of the platform's services (by name, and in total)
 * and of each PostgreSQL backend serving them (by backend pid, with the
 * service it serves: its application_name), found by their client ports in
 * pg_stat_activity.
 */
async function platformCpu(
  pg: Client,
  pids: readonly number[],
): Promise<{ services: Record<string, number>; total: number; backends: Map<number, { service: string; s: number }> }> {
  const services: Record<string, number> = {};
  for (const name of SERVICES) services[name] = cpuSeconds(processesRunning(pids, join('apps', name, 'src', 'main.js'))) ?? 0;
  const { rows } = await pg.query<{ pid: number; application_name: string }>(
    `SELECT pid, application_name FROM pg_stat_activity WHERE client_port = ANY($1::int[])`,
    [localPorts(pids)],
  );
  const backends = new Map(rows.map((r) => [r.pid, { service: r.application_name.replace(/^rapport-/, ''), s: cpuSeconds([r.pid]) ?? 0 }]));
  return { services, total: cpuSeconds(pids) ?? 0, backends };
}

type PlatformCpu = Awaited<ReturnType<typeof platformCpu>>;

/** A summary row: CPU milliseconds per unit (order, event) of each service and of its database backends, between two readings. */
function cpuPerUnitRow(label: string, unit: string, before: PlatformCpu, after: PlatformCpu, units: number): [string, string, string] {
  const perUnit = (s: number) => ((1000 * s) / Math.max(1, units)).toFixed(3);
  const database = backendDelta(before.backends, after.backends);
  return [
    `${label}, services (their database backends)`,
    Object.entries(after.services)
      .map(([name, s]) => `${name} ${perUnit(s - (before.services[name] ?? 0))} (${perUnit(database.byService[name] ?? 0)})`)
      .join(', '),
    `${perUnit(after.total - before.total)} ms services + ${perUnit(database.total)} ms database CPU/${unit}`,
  ];
}

/** CPU the backends spent between two readings, by service (one that connected meanwhile from 0; one gone since is not counted). */
function backendDelta(
  before: Map<number, { s: number }>,
  after: Map<number, { service: string; s: number }>,
): { total: number; byService: Record<string, number> } {
  const byService: Record<string, number> = {};
  let total = 0;
  for (const [pid, { service, s }] of after) {
    const spent = s - (before.get(pid)?.s ?? 0);
    byService[service] = (byService[service] ?? 0) + spent;
    total += spent;
  }
  return { total, byService };
}

const FIRST_NAMES = ['Anna', 'Ben', 'Clara', 'David', 'Eva', 'Felix', 'Greta', 'Hugo', 'Ida', 'Jonas', 'Karla', 'Lukas', 'Mia', 'Noah'];
const LAST_NAMES = ['Schmidt', 'Meyer', 'Weber', 'Wagner', 'Becker', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Neumann', 'Braun'];

/** Contact rows for the import: names from small pools (fuzzy-name candidates), a unique e-mail and phone each. */
function contactCsv(count: number): string {
  const lines = ['First name,Last name,E-mail,Phone'];
  for (let i = 0; i < count; i++) {
    const first = FIRST_NAMES[i % FIRST_NAMES.length];
    const last = `${LAST_NAMES[Math.floor(i / FIRST_NAMES.length) % LAST_NAMES.length]}${Math.floor(i / 500)}`;
    lines.push(`${first},${last},imp${run}-${i}@bench.test,+4930${String(1_000_000 + i)}`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  console.log(
    `ingest bench — ${customers} customers, ${orders} orders (COPY and bulk), ${natsOrders} orders (NATS), ${events} marketing events, ` +
      `campaign to ${campaignContacts} at ${rate}/s for ${sendSeconds} s, ${contacts} contacts imported; batch ${batch} (orders ${orderBatch}), ` +
      `concurrency ${concurrency}, ${replicas} replica(s) of ${CONSUMING.join(' and ')}, Node ${process.version}, ${cpus().length} cores, load ${load()}`,
  );
  const rows: Row[] = [];
  const mailbox = await startBenchMailbox({ smtpServer: smtpServerSink });
  const platform = await benchPlatform(marketingBenchEnv(mailbox, rate), Array.from({ length: replicas - 1 }, () => CONSUMING).flat());
  process.once('SIGINT', () => void platform.stop().finally(() => process.exit(130)));
  const pg = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/rapport' });
  await pg.connect();
  const add = (what: string, figure: string, rateText: string) => {
    rows.push([what, figure, rateText]);
    console.log(`${what}: ${figure} (${rateText}) — load ${load()}`);
  };
  try {
    if (!platform.runId)
      throw new Error('bench:ingest writes scratch tables into the run schemas, so it needs a platform it starts itself');
    const url = platform.gatewayUrl;
    const token = await loginToken(`${url}/graphql`, {
      tenant: 'demo',
      email: 'admin@demo.test',
      password: process.env.RAPPORT_DEMO_PASSWORD || 'rapport-demo',
    });
    const tenantId = tenantOf(token);
    const now = Date.now();

    if (customers > 0) {
      const c = await createCustomers(url, token, tenant, concurrency);
      add(
        'customers (sales importRecords, policy ALLOW)',
        `${c.created} in ${c.s.toFixed(1)} s`,
        `${perSecond(c.created, c.s)} contacts/s`,
      );
    }

    let copyRate = NaN;
    if (orders > 0) {
      const bulkOrders = [...syntheticOrders(tenant, orders, 'bench-csv', 1, now)];
      const copyS = await rawCopy(pg, `analytics_${platform.runId}`, tenantId, bulkOrders);
      copyRate = orders / copyS;
      add('raw COPY into a table LIKE orders', `${orders} rows in ${copyS.toFixed(2)} s`, `${Math.round(copyRate)} rows/s`);
      const b = await withOrderCsv(tenant, bulkOrders, (file) => bulkIngest(url, token, file, { batch: orderBatch, concurrency }));
      add(
        'bulk order ingest (CSV CLI → POST /orders/bulk)',
        `${b.created} created, ${b.rejected} rejected in ${b.seconds.toFixed(1)} s`,
        `${Math.round(b.ordersPerSecond)} orders/s = ${((100 * b.ordersPerSecond) / copyRate).toFixed(1)} % of COPY`,
      );
    }

    // The events each step made the platform publish (an order's own, and what rescoring announces after it).
    const published = () => streamSubjectCounts(PRODUCING_STREAMS, platform.runId ?? '', platform.subjectPrefix);
    if (natsOrders > 0) {
      const publishedBefore = await published();
      const cpuBefore = await platformCpu(pg, platform.processIds());
      const n = await natsIngest(url, token, tenant, syntheticOrders(tenant, natsOrders, 'bench-nats', 2, now), natsOrders, {
        subjectPrefix: platform.subjectPrefix,
        timeoutS: natsTimeoutS,
        storedCount: async () =>
          (
            await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM "analytics_${platform.runId}".orders WHERE tenant_id = $1`, [
              tenantId,
            ])
          ).rows[0].n,
      });
      const natsRate = n.stored / n.s;
      add(
        'NATS commerce.order.placed → analytics',
        `${n.stored}/${natsOrders} stored in ${n.s.toFixed(1)} s${n.complete ? '' : ' (timed out)'} (published in ${n.publishS.toFixed(1)} s)`,
        `${Math.round(natsRate)} orders/s${Number.isNaN(copyRate) ? '' : ` = ${((100 * natsRate) / copyRate).toFixed(1)} % of COPY`}`,
      );
      // CPU per order: what the platform's processes and their database backends spent, which moves much less with the
      // machine's load than orders/s (the bench's own publishing is not in it).
      add(
        ...cpuPerUnitRow('NATS step CPU ms per order stored', 'order', cpuBefore, await platformCpu(pg, platform.processIds()), n.stored),
      );
      const caused = countsGrown(publishedBefore, await published());
      add('NATS step: events the platform published', caused.list || 'none', `${caused.total} events`);
      // The rate above includes publishing, which competes for the same CPU; the backlog left when publishing ended
      // is drained by the consumers alone (the figure a second replica should raise).
      const backlog = n.stored - n.storedAtPublish;
      if (backlog > 0 && n.s > n.publishS)
        add(
          'NATS backlog drained by analytics after publishing ended',
          `${backlog} in ${(n.s - n.publishS).toFixed(1)} s`,
          `${Math.round(backlog / (n.s - n.publishS))} orders/s`,
        );
    }

    const marketingSchema = `marketing_${platform.runId}`;
    if (events > 0) {
      const cpuBefore = await platformCpu(pg, platform.processIds());
      const e = await runEventIngest({ pg, schema: marketingSchema, tenantId, subjectPrefix: platform.subjectPrefix, events });
      add(
        'marketing read-model ingest (sales.contact.created)',
        `${e.events} in ${e.seconds.toFixed(1)} s (published in ${e.publishedSeconds.toFixed(1)} s)`,
        `${Math.round(e.perSecond)} events/s`,
      );
      // Every service that consumes the event (not only marketing) shares the machine's cores: the whole platform's CPU per
      // event bounds the rate. Includes the bench's publishing through NATS (not a platform process) only in the load.
      add(...cpuPerUnitRow('events step CPU ms per event', 'event', cpuBefore, await platformCpu(pg, platform.processIds()), e.events));
    }

    if (scoreCustomers > 0 && platform.runId) {
      const consumerCpu = (service: string) => {
        const pids = processesRunning(platform.processIds(), join('apps', service, 'src', 'main.js'));
        return () => cpuSeconds(pids);
      };
      const before = await waitForDelivery(pg, platform.runId, natsTimeoutS);
      const e = await runScoreEventIngest({
        pg,
        runId: platform.runId,
        tenantId,
        subjectPrefix: platform.subjectPrefix,
        customers: scoreCustomers,
        timeoutS: natsTimeoutS,
        cpuSeconds: Object.fromEntries(['marketing', 'sales', 'service', 'identity'].map((service) => [service, consumerCpu(service)])),
      });
      const cpu = Object.entries(e.cpuMsPerEvent)
        .map(([service, ms]) => `${service} ${ms === null ? '?' : ms.toFixed(3)}`)
        .join(', ');
      add(
        "score events (a scoring's tier, churn, value), acknowledged by every consumer",
        `${e.events} in ${e.seconds === null ? `over ${natsTimeoutS} s` : `${e.seconds.toFixed(1)} s`} (published in ${e.publishedSeconds.toFixed(1)} s; ` +
          `waited ${before === null ? `over ${natsTimeoutS}` : before.toFixed(0)} s for earlier steps' events first); CPU ms/event: ${cpu}`,
        e.seconds === null ? '—' : `${Math.round(e.events / e.seconds)} events/s`,
      );
    }

    if (campaignContacts > 0 && sendSeconds > 0) {
      await seedReadModel(pg, marketingSchema, tenantId, campaignContacts);
      const call = <T = any>(query: string, variables: unknown = {}) => gql<T>(url, query, variables, token);
      // Marketing's processes (every replica's), found once: the CPU they spend per message is the figure the
      // sending code decides, where msgs/s also moves with everyone else's load on the machine.
      const marketingPids = processesRunning(platform.processIds(), join('apps', 'marketing', 'src', 'main.js'));
      // The sink runs in this process: its CPU (with this loop's polling, which is small) per message is the sink's cost.
      const ownCpu = () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e6;
      };
      const c = await runCampaignSend({
        call,
        db: { pg, schema: marketingSchema },
        mailbox,
        rate,
        sendSeconds,
        cpuSeconds: () => cpuSeconds(marketingPids),
        sinkCpuSeconds: ownCpu,
      });
      const cpu =
        (c.cpuMsPerMessage === null ? '' : `, marketing ${c.cpuMsPerMessage.toFixed(2)} ms CPU/msg`) +
        (c.sinkCpuMsPerMessage === null
          ? ''
          : `, ${smtpServerSink ? 'smtp-server' : 'counting'} sink ${c.sinkCpuMsPerMessage.toFixed(2)} ms`);
      add(
        'campaign sending (SMTP to a local sink)',
        `${c.sent} sent in ${c.windowSeconds.toFixed(1)} s (${c.toSend} to send, queued in ${c.queuedSeconds.toFixed(1)} s; sink received ${c.received})`,
        `${c.perSecond.toFixed(1)} msgs/s${cpu}, configured ${rate}/s`,
      );
    }

    if (contacts > 0) {
      const dir = await mkdtemp(join(tmpdir(), 'rapport-bench-contacts-'));
      try {
        const file = join(dir, 'contacts.csv');
        await writeFile(file, contactCsv(contacts));
        // CPU per imported row of each service, its database backends and this process (the CLI): on shared
        // cores rows/s moves with the load, and the platform's fan-out of each created contact (every consumer
        // of sales.contact.created) competes with the import itself.
        const cpuBefore = await platformCpu(pg, platform.processIds());
        const ownCpu = () => (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
        const cliBefore = ownCpu();
        const s = await runImport(
          {
            file,
            kind: 'CONTACT',
            mapping: [
              { column: 'First name', field: 'firstName' },
              { column: 'Last name', field: 'lastName' },
              { column: 'E-mail', field: 'email' },
              { column: 'Phone', field: 'phone' },
            ],
            batchSize: batch,
            policy: 'WARN',
            url: `${url}/graphql`,
            token,
          },
          () => undefined,
        );
        const cliMsPerRow = (((ownCpu() - cliBefore) * 1000) / Math.max(1, s.rows)).toFixed(3);
        const cpuRow = cpuPerUnitRow('contact import', 'row', cpuBefore, await platformCpu(pg, platform.processIds()), s.rows);
        add(
          'contact import (CSV CLI → importRecords, duplicate rules on, WARN)',
          `${s.rows} rows in ${s.seconds.toFixed(1)} s: ${s.created} created, ${s.skipped} skipped, ${s.invalid} invalid; CLI ${cliMsPerRow} ms CPU/row`,
          `${Math.round(s.rowsPerSecond)} rows/s`,
        );
        add(...cpuRow);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await pg.end();
    await platform.stop();
    await mailbox.close();
    printTable(`summary (run ${run}, load average now ${load()})`, rows);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * `npm run bench`: requests/s and latency, in one run and one table, of
 *   - `contact(id) { id firstName lastName emails }` sent to the sales subgraph
 *     directly (the baseline) and through the gateway — the price of
 *     federation, verification and limits on the hot path;
 *   - the customer's 360° view (profile, account, contact details,
 *     opportunities, cases, orders, RFM, value, consents, marketing: five
 *     subgraphs) through the gateway, once per role, a partner API key and a
 *     self-service customer — each with its own denied fields.
 * Every row shows its ratio to the direct `contact(id)`. The access checks
 * must not halve the 360° view: the bench sets the admin's 360° (nothing
 * denied) beside the staff role with the most denied fields and the customer,
 * and says whether the checks cost half or more. Rows run one after another,
 * so on a machine shared with other work their requests/s drift with its
 * load; the CPU the platform's own processes spend per request (read from
 * /proc on Linux) drifts much less, and the verdict wants both to agree.
 *
 * A denied field is an expected GraphQL error inside a 200 answer, not a
 * failure: `errors` counts non-2xx answers and transport errors only. Answers
 * with any other GraphQL error (a subgraph down or timed out under load) are
 * counted apart, as `degraded`.
 *
 * The gateway keeps subgraph answers until their tenant changes (ADR 080):
 * each gateway row shows the share of its subgraph fetches answered from
 * that cache or shared with an identical fetch under way (`cached`), and one more row reads the admin's 360° view while
 * a writer changes the same contact through the gateway once per
 * --write-every answers (default 50; 0: no such row), so the figure says
 * what the cache gives a customer who keeps changing. The platform runs as
 * it is configured by default, with the cache (ADR 084); the row
 * `contact(id) gateway no-cache` sends `Cache-Control: no-cache`, so it
 * measures the subgraph hop itself beside the direct row, while the plain
 * gateway row mostly measures hits. `--read-cache 0` starts the platform
 * with READ_CACHE=false (every row measures the subgraph calls).
 *
 * Flags: --duration <s> per row (default 5), --connections <n> (default 20).
 * --callers <role,role…>: the 360° rows to run (default every caller; `admin`
 * alone is the 360° goal of issue 17).
 * Uses BENCH_GATEWAY_URL and BENCH_SALES_URL when set (BENCH_PLATFORM_PID: its
 * launcher, for CPU per request), else starts the platform
 * (tools/bench/platform-process.ts). A/B runs against two platforms started
 * once each are fairer on a loaded machine than a platform started per run.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import autocannon from 'autocannon';
import { gql, loginToken } from './gateway-gql';
import { CALLERS, deniedFields, FACE_360, rawGql, seedCustomer360, type Caller, type GraphQLAnswer } from './customer-360';
import { benchPlatform } from './platform-process';
import { cpuSeconds } from './process-cpu';
import { cacheCounts, hitRate, SteadyWriter } from './read-cache-load';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number, zero = false) => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zero)) throw new Error(`--${name} must be a positive number`);
  return value;
};
const duration = flag('duration', 5);
const connections = flag('connections', 20);
const writeEvery = flag('write-every', 50, true);
const readCache = flag('read-cache', 1, true) > 0;
/** Reads the gateway's /metrics (a started platform gets this token; one given by URL: METRICS_TOKEN). */
const metricsToken = process.env.BENCH_GATEWAY_URL ? process.env.METRICS_TOKEN : randomBytes(16).toString('hex');
const callersFlag = args.indexOf('--callers');
const benchedCallers: readonly Caller[] = callersFlag >= 0 ? CALLERS.filter((c) => args[callersFlag + 1]?.split(',').includes(c)) : CALLERS;
if (benchedCallers.length === 0 || !benchedCallers.includes('admin'))
  throw new Error(`--callers must include admin (the 360° rows are compared with it); roles: ${CALLERS.join(', ')}`);

interface Row {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  degraded: number;
  /** Why answers were degraded: `<code> at <path>: <message>` and how often. */
  degradedBy: Map<string, number>;
  /** CPU ms the platform's processes spent per request sent; null when it cannot be read. */
  cpuMs: number | null;
  /** Share of the gateway's subgraph fetches answered from its read cache; null: no cache (or a direct row). */
  cached: number | null;
  denied: string;
}

/** The platform's processes whose CPU time counts (set once it has started). */
let platformPids: number[] = [];

/**
 * Runs one autocannon row; an answer with a GraphQL error other than a
 * FORBIDDEN field counts as degraded. CPU per request is read after the
 * requests still in flight when the row ended have had time to finish, and
 * divided by every request sent.
 */
async function measure(
  url: string,
  body: string,
  headers: Record<string, string>,
  seconds = duration,
  /** Told of every answer (the steady writer counts them). */
  onAnswer?: () => void,
): Promise<Omit<Row, 'label' | 'denied'>> {
  let degraded = 0;
  const degradedBy = new Map<string, number>();
  const cacheBefore = await cacheCounts(url, metricsToken);
  const cpuBefore = cpuSeconds(platformPids);
  const result = await autocannon({
    url: `${url}/graphql`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        onResponse: (status, answer) => {
          onAnswer?.();
          if (status !== 200 || !answer.includes('"errors"')) return;
          let reasons: string[];
          try {
            const { errors = [] } = JSON.parse(answer) as GraphQLAnswer;
            reasons = errors
              .filter((e) => e.extensions?.code !== 'FORBIDDEN')
              .map((e) => `${e.extensions?.code ?? 'ERROR'} at ${e.path?.join('.') ?? '-'}: ${e.message.slice(0, 160)}`);
          } catch {
            reasons = [`not GraphQL: ${answer.slice(0, 160)}`];
          }
          if (reasons.length > 0) degraded++;
          for (const reason of reasons) degradedBy.set(reason, (degradedBy.get(reason) ?? 0) + 1);
        },
      },
    ],
  });
  await new Promise((r) => setTimeout(r, Math.min(Math.max(result.latency.p99 * 1.5, 500), 5_000)));
  const cpuAfter = cpuSeconds(platformPids);
  const cpuMs = cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1000) / Math.max(result.requests.sent, 1);
  return {
    cpuMs,
    cached: hitRate(cacheBefore, await cacheCounts(url, metricsToken)),
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    degraded,
    degradedBy,
  };
}

function printTable(rows: Row[], baseline: number): void {
  const columns: [string, number, (r: Row) => string][] = [
    ['req/s', 7, (r) => r.rps.toFixed(0)],
    ['p50 ms', 7, (r) => String(r.p50)],
    ['p99 ms', 7, (r) => String(r.p99)],
    ['errors', 7, (r) => String(r.errors)],
    ['degraded', 9, (r) => String(r.degraded)],
    ['CPU ms/req', 11, (r) => (r.cpuMs === null ? '-' : r.cpuMs.toFixed(1))],
    ['cached', 8, (r) => (r.cached === null ? '-' : `${(r.cached * 100).toFixed(0)}%`)],
    ['× direct', 9, (r) => (r.rps / baseline).toFixed(3)],
  ];
  const line = (first: string, cells: string[], last: string) =>
    `${first.padEnd(34)}${cells.map((cell, i) => cell.padStart(columns[i][1])).join('')}  ${last}`.trimEnd();
  const lines = [
    line(
      'query',
      columns.map(([title]) => title),
      'denied fields',
    ),
    ...rows.map((r) =>
      line(
        r.label,
        columns.map(([, , cell]) => cell(r)),
        r.denied,
      ),
    ),
  ];
  lines.splice(1, 0, '-'.repeat(Math.max(...lines.map((l) => l.length))));
  console.log(lines.join('\n'));
}

/** How many requests of `other` the CPU of one `admin` request pays for; null without CPU times. */
function cpuCapacityRatio(admin: Row, other: Row): number | null {
  return admin.cpuMs === null || other.cpuMs === null || other.cpuMs === 0 ? null : admin.cpuMs / other.cpuMs;
}

/** The staff role (not admin, not a key or a customer) whose 360° answer had the most denied fields. */
function mostDeniedStaffRole(denied: Record<Caller, string[]>): Caller | undefined {
  const staff = benchedCallers.filter((c) => c !== 'admin' && c !== 'partner' && c !== 'customer');
  return staff.reduce<Caller | undefined>(
    (best, c) => (best === undefined || denied[c].length > denied[best].length ? c : best),
    undefined,
  );
}

async function main(): Promise<void> {
  const platform = await benchPlatform({ ...(metricsToken ? { METRICS_TOKEN: metricsToken } : {}), READ_CACHE: String(readCache) });
  try {
    platformPids = platform.processIds();
    const graphqlUrl = `${platform.gatewayUrl}/graphql`;
    const tenant = 'demo';
    const admin = await loginToken(graphqlUrl, {
      tenant,
      email: 'admin@demo.test',
      password: process.env.RAPPORT_DEMO_PASSWORD ?? 'rapport-demo',
    });
    const adminHeaders = { authorization: `Bearer ${admin}` };
    const runTag = Date.now().toString(36);

    // contact(id): a contact of its own, as before, so the baseline does not change with the 360° customer.
    const { createContact } = await gql<any>(
      graphqlUrl,
      `mutation { createContact(input: { firstName: "Bench", lastName: "Mark", emails: ["bench-${runTag}@example.com"] }) { contact { id } } }`,
      {},
      admin,
    );
    const contactBody = JSON.stringify({
      query: `query($id: ID!) { contact(id: $id) { id firstName lastName emails } }`,
      variables: { id: createContact.contact.id },
    });

    const seededAt = Date.now();
    const seeded = await seedCustomer360(graphqlUrl, tenant, admin, runTag);
    console.log(`seeded the 360° customer and ${CALLERS.length} callers in ${((Date.now() - seededAt) / 1000).toFixed(1)} s`);
    const faceBody = JSON.stringify({ query: FACE_360, variables: { id: seeded.contactId } });

    // One answer per caller before timing: what it is denied, and nothing else wrong.
    const denied = {} as Record<Caller, string[]>;
    for (const caller of CALLERS) {
      const answer = await rawGql(graphqlUrl, FACE_360, { id: seeded.contactId }, seeded.headers[caller]);
      const { denied: fields, other } = deniedFields(answer);
      if (!answer.data?.contact) console.log(`note: ${caller} gets no contact at all: ${JSON.stringify(answer.errors)}`);
      else if (other.length > 0) console.log(`note: ${caller}'s 360° answer has errors other than denied fields: ${other.join('; ')}`);
      denied[caller] = fields;
    }

    console.log(
      `\ncontact(id) and the 360° view — ${connections} connections, ${duration} s a row, Node ${process.version}, ${cpus().length} cores` +
        `, gateway read cache ${readCache ? 'on' : 'off (READ_CACHE=false)'}`,
    );
    await measure(platform.gatewayUrl, contactBody, adminHeaders, Math.min(duration, 3));
    await measure(platform.gatewayUrl, faceBody, adminHeaders, Math.min(duration, 3));

    const rows: Row[] = [];
    const direct = { label: 'contact(id)  sales direct', denied: '', ...(await measure(platform.salesUrl, contactBody, adminHeaders)) };
    rows.push(direct);
    // The hop: answered by sales through the gateway, whatever the read cache holds.
    const noCache = { ...adminHeaders, 'cache-control': 'no-cache' };
    rows.push({ label: 'contact(id)  gateway  no-cache', denied: '', ...(await measure(platform.gatewayUrl, contactBody, noCache)) });
    if (readCache)
      rows.push({ label: 'contact(id)  gateway', denied: '', ...(await measure(platform.gatewayUrl, contactBody, adminHeaders)) });
    const face = {} as Record<Caller, Row>;
    for (const caller of benchedCallers) {
      const label = `360°  gateway  ${caller === 'partner' ? 'partner (API key)' : caller}`;
      const list = denied[caller].length === 0 ? '-' : `${denied[caller].length}: ${denied[caller].join(' ')}`;
      face[caller] = { label, denied: list, ...(await measure(platform.gatewayUrl, faceBody, seeded.headers[caller])) };
      rows.push(face[caller]);
    }
    let writer: SteadyWriter | null = null;
    if (writeEvery > 0) {
      writer = new SteadyWriter(graphqlUrl, admin, seeded.contactId, writeEvery);
      const w = writer;
      const row = await measure(platform.gatewayUrl, faceBody, seeded.headers.admin, duration, () => w.read());
      await writer.finish();
      rows.push({ label: `360°  gateway  admin, 1 write/${writeEvery}`, denied: '-', ...row });
    }
    console.log('');
    printTable(rows, direct.rps);
    console.log(
      'errors: non-2xx answers and transport errors (a denied field is a FORBIDDEN error inside a 200, not one); ' +
        'degraded: 200 answers with any other GraphQL error; CPU ms/req: the gateway and subgraph processes, not Postgres, NATS or Redis; ' +
        'cached: share of the gateway’s subgraph fetches that reached no subgraph — kept by its read cache, or shared with an identical fetch under way (ADR 080; - when it has none).',
    );
    if (writer)
      console.log(
        `1 write/${writeEvery}: ${writer.written} updateContact through the gateway beside the row's reads` +
          (writer.failed > 0 ? `, ${writer.failed} failed` : '') +
          ' — each one, and its event, drops the tenant’s cached answers.',
      );
    for (const row of rows) {
      for (const [reason, count] of row.degradedBy) console.log(`degraded, ${row.label.replace(/\s+/g, ' ')}: ${count} × ${reason}`);
    }

    // Admin is denied nothing; beside it the staff role denied the most, and the customer (denied the most of all, held to their own record).
    // Requests/s move with the machine's other load between rows; CPU per request much less, so the verdict wants both.
    console.log('');
    const checkedCallers = [mostDeniedStaffRole(denied), 'customer' as const].filter((c) => c !== undefined && benchedCallers.includes(c));
    for (const checked of checkedCallers as Caller[]) {
      const rpsRatio = face[checked].rps / face.admin.rps;
      const cpuRatio = cpuCapacityRatio(face.admin, face[checked]);
      const p50Ratio = face[checked].p50 / Math.max(face.admin.p50, 1);
      const halvedByRps = rpsRatio <= 0.5;
      const halvedByCpu = cpuRatio !== null && cpuRatio <= 0.5;
      const verdict =
        halvedByRps && (halvedByCpu || cpuRatio === null)
          ? 'THE ACCESS CHECKS HALVE IT (or worse).'
          : !halvedByRps && !halvedByCpu
            ? 'the access checks do not halve it.'
            : 'unclear: requests/s and CPU per request disagree (the machine was busier in one row); run again.';
      console.log(
        `access checks: the 360° view as ${checked} (${denied[checked].length} denied fields) runs at ${rpsRatio.toFixed(2)}× admin's requests/s ` +
          `(admin: nothing denied), p50 ${p50Ratio.toFixed(2)}×` +
          (cpuRatio === null ? '' : `, and costs ${(1 / cpuRatio).toFixed(2)}× admin's CPU per request`) +
          ` — ${verdict}`,
      );
    }
    const slowest = benchedCallers.reduce((a, b) => (face[a].rps <= face[b].rps ? a : b));
    console.log(
      `the 360° view as admin runs at ${(face.admin.rps / direct.rps).toFixed(3)}× direct contact(id)'s requests/s (1 : ${(direct.rps / face.admin.rps).toFixed(0)})` +
        (face.admin.cpuMs !== null && direct.cpuMs
          ? ` and costs ${(face.admin.cpuMs / direct.cpuMs).toFixed(1)}× its CPU per request`
          : '') +
        `; fewest requests/s of the 360° callers: ${slowest} (${(face[slowest].rps / face.admin.rps).toFixed(2)}× admin's).`,
    );
  } finally {
    await platform.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * The scoring part of `npm run bench:analytics` (issue 16 item 4): a fresh
 * platform run (new schemas, so its tables have never been ANALYZEd — this
 * machine runs Postgres with autovacuum off, and any database lags after a
 * bulk load) whose demo tenant gets `customers` customers loaded straight
 * into the analytics tables, then, timed through the gateway:
 *
 *   1. cohortRetention and recomputeRfm without planner statistics;
 *   2. fitClvModel (BG/NBD, hold-out of the last 90 days) until FITTED;
 *   3. the full scoring the fit starts, watched through clvScoringRun
 *      (first scoring: every customer is new, so each is announced);
 *   4. a rescoring (activateClvModel on the same model: nothing changed);
 *   5. cohortRetention and recomputeRfm again without statistics, ANALYZE,
 *      then both with statistics: the pairs back to back, so the two sides
 *      of the comparison run beside the same backlog (below).
 *
 * Every row of a timed step says what it ran beside: the events earlier
 * steps announced and the platform has not yet delivered (outbox rows not
 * published, messages not acknowledged by a consumer, the slowest
 * consumer). recomputeRfm announces an rfm_changed per changed customer, a
 * first scoring a tier, band and value event per customer: at 1M about
 * 3.7 million messages, which the relay and four consuming services work
 * off on the same cores for far longer than the steps after them take (ADR
 * 074). `drain` (`--scoring-drain`) waits for that backlog before the fit,
 * the rescoring and the statistics comparison, and prints each wait as a
 * row of its own, so those steps run beside nothing (at 100k a few
 * minutes; at 1M, at the rate measured at 20k, about an hour).
 *
 * The orders follow the BG/NBD story (Fader, Hardie & Lee 2005), so the fit
 * has something true to find: purchase rates λ ~ Exponential (Gamma with
 * r = 1, mean one purchase per 90 days), a dropout chance p ~ Beta(1, 3)
 * after each purchase (at most 30 repeats), first purchases over the
 * first 700 of 730 days ending now; every draw is a hash of the customer
 * number, so a size always gets the same data.
 */
import { Client } from 'pg';
import { runBacklog, waitForDelivery } from './delivery-drain';
import { benchPlatform } from './platform-process';

type Row = [string, string, string];

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY = 86_400_000;

/** A uniform draw in (0, 1) from a hash of `key` (an SQL expression). */
const uniform = (key: string) => `((hashtext(${key})::float8 + 2147483648.5) / 4294967297.0)`;

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

function tenantOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { tid: string }).tid;
}

async function loadCustomers(pg: Client, schema: string, tenantId: string, customers: number, now: Date): Promise<number> {
  await pg.query(`SET search_path TO "${schema}"`);
  await pg.query(`INSERT INTO contacts (tenant_id, id) SELECT $1, md5('bench/' || i)::uuid FROM generate_series(1, $2::int) i`, [
    tenantId,
    customers,
  ]);
  const inserted = await pg.query(
    `WITH c AS (
       SELECT i, md5('bench/' || i)::uuid AS id, -ln(${uniform(`'l' || i`)}) / 90.0 AS lambda,
              greatest(1 - power(${uniform(`'p' || i`)}, 1.0 / 3), 1e-6) AS p,
              floor(${uniform(`'f' || i`)} * 700) AS first_day, 20 + 200 * ${uniform(`'m' || i`)} AS level
         FROM generate_series(1, $2::int) i
     ),
     alive AS (SELECT c.*, least(30, floor(ln(${uniform(`'d' || i`)}) / ln(1 - c.p)))::int AS repeats FROM c),
     times AS (
       SELECT a.i, a.id, a.level, k,
              a.first_day + sum(CASE WHEN k = 0 THEN 0 ELSE -ln(${uniform(`a.i || '/' || k`)}) / a.lambda END)
                              OVER (PARTITION BY a.i ORDER BY k) AS day
         FROM alive a, generate_series(0, a.repeats) k
     )
     INSERT INTO orders (id, tenant_id, source, external_order_id, contact_id, customer_contact_id, occurred_at, amount, currency, status)
     SELECT gen_random_uuid(), $1, 'bench-sql', t.i || '-' || t.k, t.id, t.id,
            $3::timestamptz - make_interval(secs => (730 - t.day) * 86400), round((t.level * (0.5 + ${uniform(`t.k || '$' || t.i`)}))::numeric, 2),
            'EUR', 'PLACED'
       FROM times t WHERE t.day < 730`,
    [tenantId, customers, now.toISOString()],
  );
  return inserted.rowCount ?? 0;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; s: number }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { value, s: seconds(started) };
}

interface ScoringRun {
  id: string;
  status: string;
  done: number;
  total: number | null;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

async function runAfter(url: string, token: string, previous: string | null, timeoutS: number): Promise<ScoringRun | null> {
  const deadline = Date.now() + timeoutS * 1000;
  let lastLog = Date.now();
  while (Date.now() < deadline) {
    const run: ScoringRun | null = (await gql(url, `{ clvScoringRun { id status done total startedAt finishedAt error } }`, {}, token))
      .clvScoringRun;
    if (run && run.id !== previous && run.status !== 'RUNNING') return run;
    if (run && run.id !== previous && Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      console.log(`  scoring: ${run.done}/${run.total ?? '?'} customers`);
    }
    await sleep(250);
  }
  return null;
}

function scoringRow(label: string, run: ScoringRun | null, timeoutS: number, note: string): Row {
  if (!run) return [label, `not finished within ${timeoutS} s; ${note}`, ''];
  const s = (Date.parse(run.finishedAt ?? '') - Date.parse(run.startedAt)) / 1000;
  const detail = `${run.status}${run.error ? ` (${run.error})` : ''}: ${run.done}/${run.total} customers in ${s.toFixed(1)} s; ${note}`;
  return [label, detail, `${Math.round((run.total ?? 0) / s)} customers/s`];
}

/** A step that may fail (a timeout at 1M): its row says so and the bench goes on to the next step. */
async function timedRow(label: string, work: () => Promise<string>): Promise<Row> {
  const started = process.hrtime.bigint();
  try {
    const detail = await work();
    return [label, detail, `${seconds(started).toFixed(2)} s`];
  } catch (err) {
    return [label, `failed: ${String((err as Error).message).slice(0, 120)}`, `${seconds(started).toFixed(2)} s`];
  }
}

async function cohortAndRfm(
  url: string,
  token: string,
  now: number,
  label: string,
  noted: (step: () => Promise<Row>) => Promise<Row>,
): Promise<Row[]> {
  const cohort = await noted(() =>
    timedRow(`cohortRetention, ${label}`, async () => {
      const { cohortRetention } = await gql(
        url,
        `query ($from: DateTime!, $to: DateTime!) { cohortRetention(from: $from, to: $to) { cohort size } }`,
        { from: new Date(now - 730 * DAY).toISOString(), to: new Date(now).toISOString() },
        token,
      );
      return `${cohortRetention.length} cohorts`;
    }),
  );
  const rfm = await noted(() =>
    timedRow(`recomputeRfm, ${label}`, async () => {
      const { recomputeRfm } = await gql(url, `mutation { recomputeRfm { customersScored } }`, {}, token);
      return `${recomputeRfm.customersScored} customers`;
    }),
  );
  return [cohort, rfm];
}

/** One fresh platform run for `customers`; returns the summary rows. `drain`: wait for the events between steps (see above). */
export async function benchClvScoring(customers: number, timeoutS: number, drain = false): Promise<Row[]> {
  const rows: Row[] = [];
  const platform = await benchPlatform();
  const pg = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/rapport' });
  await pg.connect();
  try {
    if (!platform.runId)
      throw new Error('the scoring bench loads tables directly: it needs a platform it starts (unset BENCH_GATEWAY_URL)');
    const {
      rows: [{ nspname: schema }],
    } = await pg.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`analytics%\\_${platform.runId}`]);
    const url = platform.gatewayUrl;
    const runId = platform.runId;
    /** What a step starting now runs beside, for its row. */
    const beside = async () => {
      const b = await runBacklog(pg, runId);
      if (b.unpublished === 0 && b.unconsumed === 0) return 'beside no undelivered events';
      const slowest = b.slowest ? `; slowest consumer ${b.slowest.name} ${b.slowest.pending.toLocaleString('en')}` : '';
      return `beside ${b.unpublished} unpublished outbox rows, ${b.unconsumed.toLocaleString('en')} unacknowledged messages (all consumers)${slowest}`;
    };
    /** With `drain`: waits until the events announced so far are delivered, as a row. */
    const delivered = async (what: string) => {
      if (!drain) return;
      const s = await waitForDelivery(pg, runId, timeoutS);
      rows.push([
        `events delivered: ${what}`,
        'outboxes published, consumers acknowledged',
        s === null ? `not within ${timeoutS} s` : `${s.toFixed(1)} s`,
      ]);
    };
    /** Appends the backlog a step started beside to its row's detail. */
    const noted = async (step: () => Promise<Row>): Promise<Row> => {
      const note = await beside();
      const [label, detail, figure] = await step();
      return [label, `${detail}; ${note}`, figure];
    };
    const password = process.env.RAPPORT_DEMO_PASSWORD ?? 'rapport-demo';
    const { login } = await gql(url, `mutation ($i: LoginInput!) { login(input: $i) { accessToken } }`, {
      i: { tenant: 'demo', email: 'admin@demo.test', password },
    });
    const token: string = login.accessToken;
    const now = Date.now();
    const load = await timed(() => loadCustomers(pg, schema, tenantOf(token), customers, new Date(now)));
    rows.push([`load ${customers} customers (SQL, fresh tables)`, `${load.value} orders`, `${load.s.toFixed(1)} s`]);
    rows.push(...(await cohortAndRfm(url, token, now, 'no statistics', noted)));
    await delivered(`recomputeRfm's rfm_changed`);
    const fitNote = await beside();

    const fit = await timed(async () => {
      const { fitClvModel } = await gql(
        url,
        `mutation ($input: FitClvModelInput!) { fitClvModel(input: $input) { id status } }`,
        // BG/NBD, as the orders are drawn (and as earlier runs fitted): the tenant default is MBG/NBD since ADR 081.
        {
          input: { calibrationEnd: new Date(now - 90 * DAY).toISOString(), holdoutEnd: new Date(now - DAY).toISOString(), kind: 'BG_NBD' },
        },
        token,
      );
      let model = fitClvModel;
      while (model.status === 'QUEUED' || model.status === 'RUNNING') {
        await sleep(250);
        model = (await gql(url, `{ clvModel { id status active customersUsed fitTimeMs failureReason rejectionReasons } }`, {}, token))
          .clvModel;
      }
      return model;
    });
    const model = fit.value;
    const why = model.failureReason ?? model.rejectionReasons?.join('; ') ?? '';
    rows.push([
      'CLV fit (BG/NBD + Gamma-Gamma)',
      `${model.status}${why ? ` (${why})` : ''}, ${model.customersUsed ?? 0} customers, job ${((model.fitTimeMs ?? 0) / 1000).toFixed(1)} s`,
      `${fit.s.toFixed(1)} s wall`,
    ]);
    const firstNote = await beside();
    rows[rows.length - 1][1] += `; ${fitNote}`;
    if (model.active) {
      const first = await runAfter(url, token, null, timeoutS);
      rows.push(scoringRow('CLV scoring, first (all announced)', first, timeoutS, firstNote));
      // Said at once: at a million customers the delivery that follows takes half an hour.
      console.log(`  ${rows[rows.length - 1].join(' | ')}`);
      await delivered(`the first scoring's tier, band and value events`);
      const againNote = await beside();
      await gql(url, `mutation ($id: ID!) { activateClvModel(id: $id) { id } }`, { id: model.id }, token);
      rows.push(
        scoringRow('CLV rescoring (nothing changed)', await runAfter(url, token, first?.id ?? null, timeoutS), timeoutS, againNote),
      );
      await delivered('the rescoring (none expected)');
    }

    // The statistics comparison: the same two statements without and then with statistics, back to back.
    rows.push(...(await cohortAndRfm(url, token, now, 'no statistics, again (before ANALYZE)', noted)));
    const analyze = await timed(async () => {
      for (const table of ['orders', 'contacts', 'contact_cases', 'customer_values', 'rfm_scores'])
        await pg.query(`ANALYZE "${schema}".${table}`);
    });
    rows.push(['ANALYZE (owner)', 'orders, contacts, cases, values, rfm', `${analyze.s.toFixed(1)} s`]);
    rows.push(...(await cohortAndRfm(url, token, now, 'with statistics', noted)));
  } catch (err) {
    // The rows measured so far are still worth printing.
    rows.push(['stopped by an error', String((err as Error).message).slice(0, 200), '']);
  } finally {
    await pg.end();
    await platform.stop();
  }
  return rows;
}

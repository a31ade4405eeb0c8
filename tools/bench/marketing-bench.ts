/**
 * `npm run bench:marketing`: marketing at scale, through the real
 * platform (its own isolated run, like bench:analytics).
 *
 *   1. read model: --contacts (1,000,000) contacts are written straight into
 *      marketing's read model in one set-based statement (tiers, RFM
 *      segments, last orders, complaints spread over them; 80 % opted in to
 *      email marketing) — how the read model is filled is measured by step 2;
 *   2. event ingest: --events (50,000) sales.contact.created events on NATS,
 *      timed until marketing has projected them all;
 *   3. previewSegment through the gateway, --repeat (5) times per rule: the
 *      issue's example rule, a broad one and a text search;
 *   4. a campaign to everyone eligible: the launchCampaign mutation draws the
 *      audience and queues every send batch (the "queued" time), then sends
 *      for --send-seconds (30) at --rate (100) messages/s into a local mail
 *      sink, and the achieved rate is printed; then it is cancelled.
 *
 * Flags: --contacts --events --repeat --rate --send-seconds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevMailbox } from '@rapport/channels';
import { connect } from 'nats';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { gql as gatewayGql, loginToken } from './gateway-gql';
import { benchPlatform } from './platform-process';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
  return value;
};
const contacts = flag('contacts', 1_000_000);
const events = flag('events', 50_000);
const repeat = Math.max(1, flag('repeat', 5));
const rate = Math.max(1, flag('rate', 100));
const sendSeconds = flag('send-seconds', 30);

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rows: [string, string, string][] = [];
const row = (what: string, figure: string, rateText = '') => {
  rows.push([what, figure, rateText]);
  console.log(`${what}: ${figure}${rateText ? ` (${rateText})` : ''}`);
};

async function main(): Promise<void> {
  console.log(
    `marketing bench — ${contacts} contacts, ${events} events, preview ×${repeat}, campaign at ${rate}/s for ${sendSeconds} s, Node ${process.version}, ${cpus().length} cores`,
  );
  const mailDir = await mkdtemp(join(tmpdir(), 'rapport-bench-mail-'));
  let delivered = 0;
  const mailbox = await startDevMailbox({ dir: mailDir, onMessage: () => void delivered++ });
  const platform = await benchPlatform({
    MARKETING_SMTP_URL: mailbox.url,
    MARKETING_EMAIL_FROM: 'Bench <bench@rapport.test>',
    MARKETING_EMAIL_RATE_PER_SECOND: String(Math.max(rate * 2, 50)),
  });
  const pg = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/rapport' });
  await pg.connect();
  try {
    if (!platform.runId) throw new Error('bench:marketing seeds the read model directly, so it needs a platform it starts itself');
    const schema = `marketing_${platform.runId}`;
    const url = platform.gatewayUrl;
    const token = await loginToken(`${url}/graphql`, {
      tenant: 'demo',
      email: 'admin@demo.test',
      password: process.env.RAPPORT_DEMO_PASSWORD || 'rapport-demo',
    });
    const call = <T = any>(query: string, variables: unknown = {}) => gatewayGql<T>(`${url}/graphql`, query, variables, token);
    const tenantId: string = (await call(`{ me { tenant { id } } }`)).me.tenant.id;

    // 1. The read model, set-based.
    let started = process.hrtime.bigint();
    await seedReadModel(pg, schema, tenantId);
    row('read model seeded (one statement + consents + ANALYZE)', `${contacts} contacts in ${seconds(started).toFixed(1)} s`);

    // 2. Event ingest.
    if (events > 0) {
      started = process.hrtime.bigint();
      const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
      const js = nc.jetstream();
      const now = new Date().toISOString();
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < events; i++) {
        const id = uuidv7();
        const contact = {
          id,
          accountId: null,
          ownerId: null,
          firstName: 'Event',
          lastName: `Contact ${i}`,
          emails: [`event${i}@bench.test`],
          phones: [],
          externalIds: [],
          createdAt: now,
          updatedAt: now,
        };
        const event = {
          id: uuidv7(),
          type: 'sales.contact.created',
          version: 1,
          tenantId,
          occurredAt: now,
          actor: { kind: 'system', id: null },
          subjectId: id,
          data: { contact },
        };
        pending.push(
          js.publish(`${platform.subjectPrefix}.sales.contact.created`, Buffer.from(JSON.stringify(event)), { msgID: event.id }),
        );
        if (pending.length >= 1000) await Promise.all(pending.splice(0));
      }
      await Promise.all(pending);
      const published = seconds(started);
      for (;;) {
        const { rows: r } = await pg.query(
          `SELECT count(*)::int AS n FROM ${schema}.contacts WHERE tenant_id = $1 AND first_name = 'Event'`,
          [tenantId],
        );
        if (r[0].n >= events) break;
        await sleep(250);
      }
      const s = seconds(started);
      row(
        'event ingest (sales.contact.created → read model)',
        `${events} in ${s.toFixed(1)} s (published in ${published.toFixed(1)} s)`,
        `${Math.round(events / s)} events/s`,
      );
      await nc.close();
    }

    // 3. previewSegment.
    const rules: [string, unknown][] = [
      [
        "issue example: RFM in [At risk, Can't lose them] and platinum and no open complaint and last order > 90 days ago",
        {
          and: [
            { field: 'rfmSegment', op: 'in', value: ['At risk', "Can't lose them"] },
            { field: 'tier', op: 'eq', value: 'platinum' },
            { field: 'hasOpenComplaint', op: 'eq', value: false },
            { field: 'lastOrderAt', op: 'lt', value: { daysAgo: 90 } },
          ],
        },
      ],
      [
        'broad: tier ≥ gold or churn band HIGH',
        {
          or: [
            { field: 'tier', op: 'gte', value: 'gold' },
            { field: 'churnBand', op: 'eq', value: 'HIGH' },
          ],
        },
      ],
      ['text: email ends with 7@bench.test', { field: 'email', op: 'endsWith', value: '7@bench.test' }],
    ];
    for (const [name, rule] of rules) {
      const times: number[] = [];
      let count = 0;
      for (let i = 0; i < repeat; i++) {
        started = process.hrtime.bigint();
        count = (await call(`query($rule: JSON!) { previewSegment(rule: $rule, first: 10) { count sample { id } } }`, { rule }))
          .previewSegment.count;
        times.push(seconds(started) * 1000);
      }
      times.sort((a, b) => a - b);
      row(
        `previewSegment, ${name}`,
        `${count} contacts; median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, min ${times[0].toFixed(0)}, max ${times[times.length - 1].toFixed(0)}`,
      );
    }

    // 4. A campaign to everyone eligible.
    const segment = (
      await call(`mutation($input: CreateSegmentInput!) { createSegment(input: $input) { segment { id } } }`, {
        input: { name: `Bench ${Date.now()}`, rule: { field: 'email', op: 'endsWith', value: '@bench.test' } },
      })
    ).createSegment.segment;
    const campaign = (
      await call(`mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }`, {
        input: {
          name: 'Bench campaign',
          segmentId: segment.id,
          channel: 'EMAIL',
          controlPercent: 10,
          sendRatePerMinute: rate * 60,
          variants: [
            {
              key: 'A',
              splitPercent: 50,
              subject: 'Hello {{firstName}}',
              text: 'A',
              html: '<p>A <a href="https://example.com/a">a</a></p>',
            },
            { key: 'B', splitPercent: 50, subject: 'Hi {{firstName}}', text: 'B' },
          ],
        },
      })
    ).createCampaign.campaign;
    started = process.hrtime.bigint();
    const launched = (
      await call(
        `mutation($id: ID!) { launchCampaign(id: $id) { campaign { status audience { total byGroup { key count } excluded { key count } } } } }`,
        { id: campaign.id },
      )
    ).launchCampaign.campaign;
    const queued = seconds(started);
    const toSend = launched.audience.byGroup.find((g: { key: string }) => g.key === 'VARIANT')?.count ?? 0;
    const excluded = launched.audience.excluded.map((e: { key: string; count: number }) => `${e.key} ${e.count}`).join(', ');
    row(
      'campaign queued (launchCampaign: audience draw + every send batch queued)',
      `${launched.audience.total} drawn, ${toSend} to send (${excluded} left out) in ${queued.toFixed(1)} s`,
    );
    const sentAt = async () => {
      const audience = (await call(`query($id: ID!) { campaign(id: $id) { audience { byStatus { key count } } } }`, { id: campaign.id }))
        .campaign.audience;
      return audience.byStatus.find((s: { key: string }) => s.key === 'SENT')?.count ?? 0;
    };
    // Let the first batches start, then measure over a steady window.
    await sleep(3000);
    const [n0, t0] = [await sentAt(), process.hrtime.bigint()];
    await sleep(sendSeconds * 1000);
    const [n1, window] = [await sentAt(), seconds(t0)];
    row(
      'sending (SMTP to a local sink)',
      `${n1 - n0} sent in ${window.toFixed(1)} s, ${delivered} received by the sink`,
      `${((n1 - n0) / window).toFixed(1)} msgs/s, configured ${rate}/s`,
    );
    await call(`mutation($id: ID!) { cancelCampaign(id: $id) { status } }`, { id: campaign.id });
  } finally {
    await pg.end();
    await platform.stop();
    await mailbox.close();
    await rm(mailDir, { recursive: true, force: true });
  }
  console.log(`\nsummary (${new Date().toISOString()})`);
  for (const [what, figure, r] of rows) console.log(`| ${what} | ${figure} | ${r} |`);
}

/** Contacts spread over tiers, RFM segments, churn bands, order recency and complaints; 80 % opted in to email marketing. */
async function seedReadModel(pg: Client, schema: string, tenantId: string): Promise<void> {
  const segments = [
    ['champions', 'Champions'],
    ['loyal', 'Loyal'],
    ['potential-loyalists', 'Potential loyalists'],
    ['new', 'New'],
    ['promising', 'Promising'],
    ['need-attention', 'Need attention'],
    ['about-to-sleep', 'About to sleep'],
    ['at-risk', 'At risk'],
    ['cant-lose-them', "Can't lose them"],
    ['hibernating', 'Hibernating'],
  ];
  await pg.query(`SET search_path = "${schema}", public`);
  await pg.query(
    `INSERT INTO contacts (tenant_id, id, first_name, last_name, email, emails, created_at, sales_updated_at, rfm_segment_key, rfm_segment_name,
                           tier, clv, clv_currency, churn_band, churn_risk, open_complaints, open_cases, first_order_at, last_order_at, orders_count)
     SELECT $1, gen_random_uuid(), 'Bench', 'Contact ' || i, 'c' || i || '@bench.test', ARRAY['c' || i || '@bench.test'], now() - interval '2 years', now(),
            ($2::text[])[1 + i % 10], ($3::text[])[1 + i % 10],
            (ARRAY['platinum', 'gold', 'silver', 'bronze'])[1 + (i / 7) % 4], (i % 5000)::numeric, 'EUR',
            (ARRAY['LOW', 'MEDIUM', 'HIGH'])[1 + (i / 3) % 3], ((i % 100) / 100.0)::float8,
            CASE WHEN i % 97 = 0 THEN 1 ELSE 0 END, CASE WHEN i % 31 = 0 THEN 1 ELSE 0 END,
            now() - interval '700 days', now() - make_interval(days => i % 400), 1 + i % 12
       FROM generate_series(1, $4::int) AS i`,
    [tenantId, segments.map((s) => s[0]), segments.map((s) => s[1]), contacts],
  );
  await pg.query(
    `INSERT INTO consents (tenant_id, contact_id, channel, purpose, status, source, changed_at, actor_kind)
     SELECT tenant_id, id, 'EMAIL', 'MARKETING', 'OPTED_IN', 'bench', now(), 'system' FROM contacts
      WHERE tenant_id = $1 AND last_name LIKE 'Contact %' AND abs(hashtext(id::text)) % 10 < 8`,
    [tenantId],
  );
  await pg.query(`ANALYZE contacts`);
  await pg.query(`ANALYZE consents`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

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
import { Client } from 'pg';
import { gql as gatewayGql, loginToken } from './gateway-gql';
import { campaignSendRate, marketingEventIngest, seedReadModel } from './marketing-steps';
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
    await seedReadModel(pg, schema, tenantId, contacts);
    row('read model seeded (one statement + consents + ANALYZE)', `${contacts} contacts in ${seconds(started).toFixed(1)} s`);

    // 2. Event ingest.
    if (events > 0) {
      const e = await marketingEventIngest(pg, schema, tenantId, platform.subjectPrefix, events);
      row(
        'event ingest (sales.contact.created → read model)',
        `${events} in ${e.s.toFixed(1)} s (published in ${e.publishS.toFixed(1)} s)`,
        `${Math.round(events / e.s)} events/s`,
      );
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
    const c = await campaignSendRate(call, { rate, sendSeconds, received: () => delivered });
    row(
      'campaign queued (launchCampaign: audience draw + every send batch queued)',
      `${c.drawn} drawn, ${c.toSend} to send (${c.excluded} left out) in ${c.queuedS.toFixed(1)} s`,
    );
    row(
      'sending (SMTP to a local sink)',
      `${c.sent} sent in ${c.windowS.toFixed(1)} s, ${c.received} received by the sink`,
      `${(c.sent / c.windowS).toFixed(1)} msgs/s, configured ${rate}/s`,
    );
  } finally {
    await pg.end();
    await platform.stop();
    await mailbox.close();
    await rm(mailDir, { recursive: true, force: true });
  }
  console.log(`\nsummary (${new Date().toISOString()})`);
  for (const [what, figure, r] of rows) console.log(`| ${what} | ${figure} | ${r} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * The pieces of `npm run bench:marketing` that other benches reuse
 * (bench:ingest prints marketing's event ingest and campaign send beside the
 * other data-plane rates): each takes a platform the caller started with
 * `marketingBenchEnv` and returns its figures instead of printing them.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { connect, headers } from 'nats';
import type { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { contactCreatedEvent } from './contact-created-event';
import { startCountingSmtpSink } from './counting-smtp-sink';

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A local SMTP sink that counts what it receives, for campaign sends. */
export interface BenchMailbox {
  url: string;
  delivered(): number;
  close(): Promise<void>;
}

/**
 * Accepts every message and only counts it: the dev mailbox writes each one
 * to a file, and on a 2-core machine that disk work in the bench process
 * would take the CPU the platform's sending is measured with. By default the
 * lean counting sink (counting-smtp-sink.ts); `smtpServer: true` takes
 * smtp-server as before ADR 076, to compare what the sink itself costs.
 */
export async function startBenchMailbox(options: { smtpServer?: boolean } = {}): Promise<BenchMailbox> {
  if (!options.smtpServer) {
    const sink = await startCountingSmtpSink();
    return { url: `smtp://127.0.0.1:${sink.port}`, delivered: sink.delivered, close: sink.close };
  }
  let delivered = 0;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    onData: (stream, _session, callback) => {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        delivered++;
        callback(null, '2.0.0 Ok: counted');
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    delivered: () => delivered,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Platform settings for marketing's benches: mail into the sink, and a provider rate that does not cap `rate`. */
export function marketingBenchEnv(mailbox: BenchMailbox, rate: number): Record<string, string> {
  return {
    MARKETING_SMTP_URL: mailbox.url,
    MARKETING_EMAIL_FROM: 'Bench <bench@rapport.test>',
    MARKETING_EMAIL_RATE_PER_SECOND: String(Math.max(rate * 2, 50)),
  };
}

export interface EventIngestOptions {
  /** Marketing's database: the read model is counted there. */
  pg: Client;
  /** marketing_<runId> of a platform the bench started. */
  schema: string;
  tenantId: string;
  /** The platform's NATS subject prefix ('' for none). */
  subjectPrefix: string;
  events: number;
  natsUrl?: string;
}

export interface EventIngestResult {
  events: number;
  seconds: number;
  publishedSeconds: number;
  perSecond: number;
}

/**
 * Publishes `events` sales.contact.created events on NATS and times until
 * marketing's read model holds them all (its consumer applies them in
 * batches, ADR 058).
 */
export async function runEventIngest(o: EventIngestOptions): Promise<EventIngestResult> {
  const nc = await connect({ servers: o.natsUrl ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  const marker = `Event ${uuidv7().slice(-8)}`;
  const now = new Date().toISOString();
  const subject = o.subjectPrefix ? `${o.subjectPrefix}.sales.contact.created` : 'sales.contact.created';
  try {
    const started = process.hrtime.bigint();
    // Published as plain NATS messages into the stream's subject, without waiting for each acknowledgement:
    // waiting (as a service's outbox does) made the bench's own publishing the bound it measured. The stream
    // still stores each one (Nats-Msg-Id de-duplicates), and the count below proves none was lost.
    for (let i = 0; i < o.events; i++) {
      const event = contactCreatedEvent(
        o.tenantId,
        { firstName: marker, lastName: `Contact ${i}`, emails: (id) => [`event${i}.${id.slice(-12)}@bench.test`] },
        now,
      );
      const h = headers();
      h.set('Nats-Msg-Id', event.id);
      nc.publish(subject, Buffer.from(JSON.stringify(event)), { headers: h });
    }
    await nc.flush();
    const publishedSeconds = seconds(started);
    let seen = 0;
    let progressAt = Date.now();
    for (;;) {
      const { rows } = await o.pg.query(`SELECT count(*)::int AS n FROM ${o.schema}.contacts WHERE tenant_id = $1 AND first_name = $2`, [
        o.tenantId,
        marker,
      ]);
      if (rows[0].n >= o.events) break;
      if (rows[0].n > seen) [seen, progressAt] = [rows[0].n, Date.now()];
      else if (Date.now() - progressAt > 120_000) throw new Error(`event ingest stalled at ${seen} of ${o.events} for 2 minutes`);
      await sleep(100);
    }
    const s = seconds(started);
    return { events: o.events, seconds: s, publishedSeconds, perSecond: o.events / s };
  } finally {
    await nc.close();
  }
}

/** A GraphQL call through the gateway as the tenant's marketer. */
export type GatewayCall = <T = any>(query: string, variables?: unknown) => Promise<T>;

export interface CampaignSendOptions {
  call: GatewayCall;
  mailbox: BenchMailbox;
  /** The campaign's own rate limit, messages/s. */
  rate: number;
  /** How long the steady window is measured. */
  sendSeconds: number;
  /** Who gets it: every contact whose email ends with this (the seeded ones: '@bench.test'). */
  emailSuffix?: string;
  /** CPU seconds the sending processes (marketing's) have used so far, to report CPU per message over the window; null when unknown. */
  cpuSeconds?: () => number | null;
  /**
   * Marketing's database: the window's progress is counted there rather than
   * through the gateway. Four GraphQL status queries a second cost marketing
   * about as much CPU as 40 messages (graphql, federation, Nest), which the
   * figure per message then carried; the count in SQL costs only Postgres.
   */
  db?: { pg: Client; schema: string };
  /** CPU seconds the process holding the SMTP sink has used so far (the bench's own, when the sink runs in it). */
  sinkCpuSeconds?: () => number;
}

export interface CampaignSendResult {
  drawn: number;
  toSend: number;
  excluded: string;
  queuedSeconds: number;
  sent: number;
  windowSeconds: number;
  received: number;
  perSecond: number;
  /** Marketing's CPU milliseconds per message sent in the window (null without `cpuSeconds`). */
  cpuMsPerMessage: number | null;
  /** The sink's process's CPU milliseconds per message sent in the window (null without `sinkCpuSeconds`). */
  sinkCpuMsPerMessage: number | null;
}

/**
 * A campaign to everyone eligible among the contacts: launchCampaign draws
 * the audience and queues every send batch (the "queued" time), then the
 * sends are counted over a steady window of `sendSeconds` (or until the
 * campaign has sent everything), and the campaign is cancelled.
 */
export async function runCampaignSend(o: CampaignSendOptions): Promise<CampaignSendResult> {
  const { call } = o;
  const segment = (
    await call(`mutation($input: CreateSegmentInput!) { createSegment(input: $input) { segment { id } } }`, {
      input: { name: `Bench ${Date.now()}`, rule: { field: 'email', op: 'endsWith', value: o.emailSuffix ?? '@bench.test' } },
    })
  ).createSegment.segment;
  const campaign = (
    await call(`mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id } } }`, {
      input: {
        name: 'Bench campaign',
        segmentId: segment.id,
        channel: 'EMAIL',
        controlPercent: 10,
        sendRatePerMinute: o.rate * 60,
        variants: [
          { key: 'A', splitPercent: 50, subject: 'Hello {{firstName}}', text: 'A', html: '<p>A <a href="https://example.com/a">a</a></p>' },
          { key: 'B', splitPercent: 50, subject: 'Hi {{firstName}}', text: 'B' },
        ],
      },
    })
  ).createCampaign.campaign;
  let started = process.hrtime.bigint();
  const launched = (
    await call(
      `mutation($id: ID!) { launchCampaign(id: $id) { campaign { status audience { total byGroup { key count } excluded { key count } } } } }`,
      { id: campaign.id },
    )
  ).launchCampaign.campaign;
  const queuedSeconds = seconds(started);
  const toSend = launched.audience.byGroup.find((g: { key: string }) => g.key === 'VARIANT')?.count ?? 0;
  const excluded = launched.audience.excluded.map((e: { key: string; count: number }) => `${e.key} ${e.count}`).join(', ');
  const sentNow = async () => {
    if (o.db) {
      const { rows } = await o.db.pg.query(
        `SELECT c.status, (SELECT count(*)::int FROM "${o.db.schema}".campaign_recipients r WHERE r.campaign_id = c.id AND r.status = 'SENT') AS sent
           FROM "${o.db.schema}".campaigns c WHERE c.id = $1`,
        [campaign.id],
      );
      return { status: rows[0].status as string, sent: rows[0].sent as number };
    }
    const { status, audience } = (
      await call(`query($id: ID!) { campaign(id: $id) { status audience { byStatus { key count } } } }`, { id: campaign.id })
    ).campaign;
    return { status: status as string, sent: (audience.byStatus.find((s: { key: string }) => s.key === 'SENT')?.count ?? 0) as number };
  };
  // Let the first batches start, then measure over a steady window: `sendSeconds`, or until the campaign has sent
  // everything (a fast send of a small audience), counting up to the last sample that still saw sends.
  await sleep(3000);
  const first = await sentNow();
  const cpu0 = o.cpuSeconds?.() ?? null;
  const sinkCpu0 = o.sinkCpuSeconds?.() ?? null;
  started = process.hrtime.bigint();
  let last = { sent: first.sent, at: 0, cpu: cpu0, sinkCpu: sinkCpu0 };
  while (seconds(started) < o.sendSeconds) {
    await sleep(250);
    const now = await sentNow();
    if (now.sent > last.sent)
      last = { sent: now.sent, at: seconds(started), cpu: o.cpuSeconds?.() ?? null, sinkCpu: o.sinkCpuSeconds?.() ?? null };
    if (now.status !== 'SENDING') break;
  }
  const n0 = first.sent;
  const n1 = last.sent;
  const windowSeconds = last.at;
  const cpu1 = last.cpu;
  if ((await sentNow()).status === 'SENDING') await call(`mutation($id: ID!) { cancelCampaign(id: $id) { status } }`, { id: campaign.id });
  return {
    drawn: launched.audience.total,
    toSend,
    excluded,
    queuedSeconds,
    sent: n1 - n0,
    windowSeconds,
    received: o.mailbox.delivered(),
    perSecond: windowSeconds > 0 ? (n1 - n0) / windowSeconds : 0,
    cpuMsPerMessage: cpu0 !== null && cpu1 !== null && n1 > n0 ? ((cpu1 - cpu0) * 1000) / (n1 - n0) : null,
    sinkCpuMsPerMessage: sinkCpu0 !== null && last.sinkCpu !== null && n1 > n0 ? ((last.sinkCpu - sinkCpu0) * 1000) / (n1 - n0) : null,
  };
}

/** Contacts spread over tiers, RFM segments, churn bands, order recency and complaints; 80 % opted in to email marketing. */
export async function seedReadModel(pg: Client, schema: string, tenantId: string, contacts: number): Promise<void> {
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
  await pg.query(`RESET search_path`);
  await pg.query(`ANALYZE "${schema}".contacts`);
  await pg.query(`ANALYZE "${schema}".consents`);
}

/**
 * Marketing steps `bench:marketing` and `bench:ingest` share: the read
 * model seeded set-based, `sales.contact.created` events timed into it, and
 * a campaign's send rate into a local mail sink. They call what marketing
 * exposes (its schema, its NATS subjects, its GraphQL mutations).
 */
import { connect } from 'nats';
import type { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
/** Acknowledgements wait long on a loaded machine (the default 5 s timed out at load 30). */
const PUBLISH_TIMEOUT_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A gateway call as the signed-in bench user. */
export type Call = <T = any>(query: string, variables?: unknown) => Promise<T>;

/** `contacts` contacts spread over tiers, RFM segments, churn bands, order recency and complaints; 80 % opted in to email marketing. */
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
  await pg.query(`ANALYZE contacts`);
  await pg.query(`ANALYZE consents`);
  await pg.query(`RESET search_path`);
}

/** Publishes `events` sales.contact.created events and times until marketing's read model holds them all. */
export async function marketingEventIngest(
  pg: Client,
  schema: string,
  tenantId: string,
  subjectPrefix: string,
  events: number,
): Promise<{ s: number; publishS: number }> {
  const started = process.hrtime.bigint();
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
      js.publish(`${subjectPrefix}.sales.contact.created`, Buffer.from(JSON.stringify(event)), {
        msgID: event.id,
        timeout: PUBLISH_TIMEOUT_MS,
      }),
    );
    if (pending.length >= 1000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const publishS = seconds(started);
  await nc.close();
  for (;;) {
    const { rows: r } = await pg.query(
      `SELECT count(*)::int AS n FROM "${schema}".contacts WHERE tenant_id = $1 AND first_name = 'Event'`,
      [tenantId],
    );
    if (r[0].n >= events) break;
    await sleep(250);
  }
  return { s: seconds(started), publishS };
}

export interface CampaignSendResult {
  drawn: number;
  toSend: number;
  excluded: string;
  queuedS: number;
  sent: number;
  windowS: number;
  received: number;
}

/**
 * A campaign to every `@bench.test` contact: launchCampaign draws the
 * audience and queues every send batch, then sends at up to `rate`/s into
 * the platform's mail sink; the SENT count is read after 3 s and again
 * `sendSeconds` later, and the campaign is cancelled.
 */
export async function campaignSendRate(
  call: Call,
  options: { rate: number; sendSeconds: number; received: () => number },
): Promise<CampaignSendResult> {
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
        sendRatePerMinute: options.rate * 60,
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
  const started = process.hrtime.bigint();
  const launched = (
    await call(
      `mutation($id: ID!) { launchCampaign(id: $id) { campaign { status audience { total byGroup { key count } excluded { key count } } } } }`,
      { id: campaign.id },
    )
  ).launchCampaign.campaign;
  const queuedS = seconds(started);
  const toSend = launched.audience.byGroup.find((g: { key: string }) => g.key === 'VARIANT')?.count ?? 0;
  const excluded = launched.audience.excluded.map((e: { key: string; count: number }) => `${e.key} ${e.count}`).join(', ');
  const sentAt = async () => {
    const audience = (await call(`query($id: ID!) { campaign(id: $id) { audience { byStatus { key count } } } }`, { id: campaign.id }))
      .campaign.audience;
    return audience.byStatus.find((s: { key: string }) => s.key === 'SENT')?.count ?? 0;
  };
  // Let the first batches start, then measure over a steady window.
  await sleep(3000);
  const [n0, t0] = [await sentAt(), process.hrtime.bigint()];
  await sleep(options.sendSeconds * 1000);
  const [n1, windowS] = [await sentAt(), seconds(t0)];
  await call(`mutation($id: ID!) { cancelCampaign(id: $id) { status } }`, { id: campaign.id });
  return { drawn: launched.audience.total, toSend, excluded, queuedS, sent: n1 - n0, windowS, received: options.received() };
}

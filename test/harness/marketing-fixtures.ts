import { randomUUID } from 'node:crypto';
import { CONTACT_CREATED, SYSTEM_ACTOR, type ContactSnapshotV1, type EventEnvelope } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { SmtpSink } from '@rapport/channels/testing';
import { bearer, graphql, StreamProbe, eventuallyWithin } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { createTenant, startPlatform, type Platform, type TestTenant } from './platform';

/** Publishes an event as its producer would (prefixed subject, Nats-Msg-Id = event id). */
export async function publish(nc: NatsConnection, event: EventEnvelope): Promise<void> {
  await nc.jetstream().publish(`${process.env.NATS_SUBJECT_PREFIX}.${event.type}`, Buffer.from(JSON.stringify(event)), { msgID: event.id });
}

export function event<T>(tenantId: string, type: string, subjectId: string, data: T, occurredAt = new Date()): EventEnvelope<string, T> {
  return newEvent({ type, tenantId, actor: SYSTEM_ACTOR, subjectId, data, occurredAt });
}

export function contactSnapshot(fields: Partial<ContactSnapshotV1> & { lastName: string }): ContactSnapshotV1 {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    accountId: null,
    ownerId: null,
    firstName: null,
    emails: [],
    phones: [],
    externalIds: [],
    createdAt: now,
    updatedAt: now,
    ...fields,
  };
}

/** Publishes sales.contact.created for each contact and waits until marketing's read model has them all. */
export async function seedContacts(platform: Platform, nc: NatsConnection, tenantId: string, contacts: ContactSnapshotV1[]): Promise<void> {
  for (const contact of contacts) await publish(nc, event(tenantId, CONTACT_CREATED, contact.id, { contact }));
  const ids = contacts.map((c) => c.id);
  await eventually(
    async () =>
      (
        await marketingDb(platform).query(
          `SELECT count(*)::int AS n FROM contacts WHERE id = ANY($1::uuid[]) AND sales_updated_at IS NOT NULL`,
          [ids],
        )
      )[0].n as number,
    (n) => n === ids.length,
  );
}

export function marketingDb(platform: Platform): DataSource {
  return platform.services.marketing.app.get(DataSource);
}

export const eventually = eventuallyWithin({ timeoutMs: 45_000 });

/** A GraphQL call through the gateway that fails the test on errors. */
export function gatewayClient(platform: Platform, token: string) {
  return async <T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(token));
    if (res.errors) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
    return res.data as T;
  };
}

export const SET_CONSENT = `mutation($input: SetConsentInput!) { setConsent(input: $input) { consent { status channel purpose source } confirmationSent } }`;
export const CREATE_SEGMENT = `mutation($input: CreateSegmentInput!) { createSegment(input: $input) { segment { id name kind memberCount } } }`;
export const CREATE_CAMPAIGN = `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { campaign { id status } } }`;
export const LAUNCH = `mutation($id: ID!) { launchCampaign(id: $id) { campaign { id status audience { total excluded { key count } byGroup { key count } } } } }`;
export const CAMPAIGN = `query($id: ID!) { campaign(id: $id) { id status completedAt audience { total byStatus { key count } byGroup { key count } skipped { key count } excluded { key count } } } }`;

/** Opts every contact in to marketing on the channel through the API (importConsents, 1000 a call). */
export async function optIn(call: ReturnType<typeof gatewayClient>, contactIds: string[], channel = 'EMAIL'): Promise<void> {
  for (let i = 0; i < contactIds.length; i += 1000) {
    const consents = contactIds
      .slice(i, i + 1000)
      .map((contactId) => ({ contactId, channel, status: 'OPTED_IN', source: 'test', proof: 'fixture' }));
    const { importConsents } = await call(
      `mutation($input: ImportConsentsInput!) { importConsents(input: $input) { recorded rejected { field message } } }`,
      {
        input: { consents },
      },
    );
    if (importConsents.rejected.length > 0) throw new Error(`consents rejected: ${JSON.stringify(importConsents.rejected)}`);
  }
}

/** A port nothing listens on right now (for a gateway whose URL must be known before it starts). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** What a marketing platform test works with. */
export interface MarketingRig {
  platform: Platform;
  tenant: TestTenant;
  /** The real SMTP server marketing sends to. */
  sink: SmtpSink;
  /** The gateway's base URL; links in messages start with it. */
  gatewayUrl: string;
  nc: NatsConnection;
  probe: StreamProbe;
  /** GraphQL through the gateway as a marketer of the tenant. */
  call: ReturnType<typeof gatewayClient>;
  stop(): Promise<void>;
}

/**
 * The whole platform with marketing sending to a real SMTP sink and links
 * pointing at the gateway, a fresh tenant, and clients for the API and the
 * streams. `marketingEnv` adds or overrides marketing's settings (a function
 * of the gateway's URL when they point back at it).
 */
export async function startMarketingRig(
  tenantName: string,
  marketingEnv: Record<string, string> | ((gatewayUrl: string) => Record<string, string>) = {},
): Promise<MarketingRig> {
  const sink = await SmtpSink.start();
  const port = await freePort();
  const gatewayUrl = `http://127.0.0.1:${port}`;
  const platform = await startPlatform(
    { PORT: String(port) },
    {
      // Identity's account emails (invitations, password resets) land in the same sink.
      identity: {
        IDENTITY_SMTP_URL: sink.url,
        IDENTITY_EMAIL_FROM: 'Rapport <no-reply@rapport.test>',
        IDENTITY_APP_URL: 'http://app.test',
      },
      marketing: {
        MARKETING_SMTP_URL: sink.url,
        MARKETING_EMAIL_FROM: 'Rapport News <news@rapport.test>',
        MARKETING_PUBLIC_URL: gatewayUrl,
        MARKETING_EMAIL_RATE_PER_SECOND: '2000',
        ...(typeof marketingEnv === 'function' ? marketingEnv(gatewayUrl) : marketingEnv),
      },
    },
  );
  const tenant = await createTenant(platform, tenantName);
  const call = gatewayClient(platform, await tenant.tokenFor('marketer'));
  const nc = await connect({ servers: process.env.NATS_URL });
  const probe = await StreamProbe.connect();
  return {
    platform,
    tenant,
    sink,
    gatewayUrl,
    nc,
    probe,
    call,
    async stop() {
      await probe.close();
      await nc.close();
      await platform.stop();
      await sink.close();
    },
  };
}

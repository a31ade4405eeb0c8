import { randomBytes } from 'node:crypto';
import { STREAMS } from '@rapport/contracts';
import { durableFor, streamFor, type MessagingNaming } from '@rapport/messaging';
import { MESSAGING_NAMING, NATS_CONNECTION, ServiceDatabase } from '@rapport/service-kit';
import type { NatsConnection } from 'nats';
import { bearer, graphql, eventuallyWithin } from '@rapport/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Webhook } from 'standardwebhooks';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';
import { startReceiver, type Received } from '../harness/webhook-receiver';
import { IdentityWebhookSecretsSealed1766950000000 } from '../../apps/identity/src/migrations/1766950000000-identity-webhook-secrets-sealed';
import { DEV_WEBHOOK_SECRET_KEYS } from '../../apps/identity/src/webhooks/webhook-secret-keys';
import { WebhookSecrets } from '../../apps/identity/src/webhooks/webhook-secrets';

const eventually = eventuallyWithin({ timeoutMs: 45_000, intervalMs: 200 });

const CREATE = `mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id url eventTypes enabled } }
}`;
const DELIVERIES = `query ($endpointId: ID!, $filter: WebhookDeliveryFilter) {
  webhookDeliveries(endpointId: $endpointId, filter: $filter, first: 50) {
    totalCount
    edges { node { id webhookId eventType subjectId status attemptCount attempts { attempt statusCode ok latencyMs responseExcerpt } } }
  }
}`;

describe('outbound webhooks through the gateway', () => {
  let platform: Platform;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    platform = await startPlatform(
      {},
      {
        identity: {
          WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
          WEBHOOK_RETRY_BASE_DELAY_MS: '100',
          WEBHOOK_RETRY_MAX_DELAY_MS: '400',
          WEBHOOK_RETRY_FOR_SECONDS: '60',
          WEBHOOK_DISABLE_AFTER_SECONDS: '4',
        },
      },
    );
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  const ok = async (headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}) => {
    const res = await graphql(platform.graphqlUrl, query, variables, headers);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data as Record<string, any>;
  };
  const createContact = async (as: Record<string, string>, lastName: string): Promise<string> =>
    (
      await ok(as, `mutation ($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`, {
        i: { lastName, emails: [`${lastName.toLowerCase()}@x.test`] },
      })
    ).createContact.contact.id;
  const subscribe = async (as: Record<string, string>, path: string, extra: Record<string, unknown> = {}) =>
    (await ok(as, CREATE, { input: { url: `${receiver.url}${path}`, eventTypes: ['sales.contact.created'], ...extra } }))
      .createWebhookEndpoint;
  const at = (path: string) => receiver.received.filter((r) => r.path === path);
  /** Reads and writes identity's schema past the service's role and row-level security, as an attacker with the database would. */
  const asSuperuser = async <T>(work: (c: Client) => Promise<T>): Promise<T> => {
    const schema = (platform.identity.app.get(DataSource).options as { schema: string }).schema;
    const client = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/rapport' });
    await client.connect();
    try {
      await client.query(`SET search_path TO "${schema}"`);
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const deliveries = async (as: Record<string, string>, endpointId: string) =>
    (await ok(as, DELIVERIES, { endpointId })).webhookDeliveries.edges.map((e: any) => e.node);

  describe('as an admin', () => {
    let tenant: TestTenant;
    let admin: Record<string, string>;

    beforeAll(async () => {
      tenant = await createTenant(platform, 'hooks');
      admin = bearer(await tenant.tokenFor('admin'));
    });

    it('delivers a contact created in sales, signed so that the standardwebhooks library verifies it', async () => {
      const { endpoint, secret } = await subscribe(admin, '/ok/signed', { description: 'CRM sync' });
      expect(secret).toMatch(/^whsec_/);
      expect(endpoint.enabled).toBe(true);
      const contactId = await createContact(admin, 'Lovelace');

      const [got] = await eventually(
        () => at('/ok/signed'),
        (r) => r.length >= 1,
      );
      const payload = new Webhook(secret).verify(got.body, got.headers) as Record<string, any>;
      expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
      expect(payload).toMatchObject({ type: 'sales.contact.created', tenantId: tenant.id, subjectId: contactId });
      expect(payload.data.contact).toMatchObject({ id: contactId, lastName: 'Lovelace', emails: ['lovelace@x.test'] });
      expect(got.webhookId).toBe(payload.id);
      expect(() =>
        new Webhook(`whsec_${Buffer.from('another secret, 24 bytes!').toString('base64')}`).verify(got.body, got.headers),
      ).toThrow();

      const [delivery] = await eventually(
        () => deliveries(admin, endpoint.id),
        (d) => d[0]?.status === 'SUCCEEDED',
      );
      expect(delivery).toMatchObject({ webhookId: payload.id, eventType: 'sales.contact.created', subjectId: contactId, attemptCount: 1 });
      expect(delivery.attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 204, ok: true })]);
    });

    it('a redelivered event makes no second delivery, and the fan-out keeps no inbox rows (its deliveries are keyed by endpoint and event)', async () => {
      const { endpoint } = await subscribe(admin, '/ok/redelivered');
      const contactId = await createContact(admin, 'Redelivered');
      const [delivery] = await eventually(
        () => deliveries(admin, endpoint.id),
        (d) => d[0]?.status === 'SUCCEEDED',
      );
      // The same event again under another message id, as JetStream redelivers one whose ack was lost after the commit.
      const [{ event }] = await asSuperuser(
        async (c) => (await c.query(`SELECT event FROM webhook_deliveries WHERE id = $1`, [delivery.id])).rows,
      );
      const nc = platform.identity.app.get<NatsConnection>(NATS_CONNECTION);
      const naming = platform.identity.app.get<MessagingNaming>(MESSAGING_NAMING);
      await nc
        .jetstream()
        .publish(`${naming.subjectPrefix}.${event.type}`, Buffer.from(JSON.stringify(event)), { msgID: `${event.id}-again` });
      const jsm = await nc.jetstreamManager();
      await eventually(
        () => jsm.consumers.info(streamFor(naming, STREAMS.SALES).name, durableFor(naming, 'identity_webhooks_sales')),
        (info) => info.num_pending === 0 && info.num_ack_pending === 0,
      );
      await new Promise((r) => setTimeout(r, 500));
      expect(await deliveries(admin, endpoint.id)).toEqual([
        expect.objectContaining({ id: delivery.id, subjectId: contactId, attemptCount: 1 }),
      ]);
      expect(at('/ok/redelivered')).toHaveLength(1);
      const inbox = await asSuperuser(
        async (c) => (await c.query(`SELECT count(*)::int AS n FROM inbox WHERE consumer LIKE 'identity_webhooks_%'`)).rows,
      );
      expect(inbox[0].n).toBe(0);
    });

    it('retries a failing receiver with the same webhook-id until it succeeds, recording every attempt', async () => {
      const { endpoint, secret } = await subscribe(admin, '/fail-3/flaky');
      await createContact(admin, 'Flaky');
      const got = await eventually(
        () => at('/fail-3/flaky'),
        (r) => r.some((x) => x.answered === 204),
      );
      expect(got.map((r) => r.answered)).toEqual([500, 500, 500, 204]);
      expect(new Set(got.map((r) => r.webhookId)).size).toBe(1);
      for (const r of got) expect(new Webhook(secret).verify(r.body, r.headers)).toBeTruthy();

      const [delivery] = await eventually(
        () => deliveries(admin, endpoint.id),
        (d) => d[0]?.status === 'SUCCEEDED',
      );
      expect(delivery.attempts.map((a: any) => [a.attempt, a.statusCode, a.ok])).toEqual([
        [1, 500, false],
        [2, 500, false],
        [3, 500, false],
        [4, 204, true],
      ]);
      expect(delivery.attempts[0].responseExcerpt).toBe('receiver says no');
      // Nothing more arrives once it succeeded.
      await new Promise((r) => setTimeout(r, 1500));
      expect(at('/fail-3/flaky')).toHaveLength(4);
    });

    it('replays exactly the events since an instant, and redelivers one delivery by id, with the same webhook-ids', async () => {
      const { endpoint } = await subscribe(admin, '/ok/replay');
      const before = [await createContact(admin, 'Before-One'), await createContact(admin, 'Before-Two')];
      await eventually(
        () => at('/ok/replay'),
        (r) => r.length >= 2,
      );
      await new Promise((r) => setTimeout(r, 1100));
      const since = new Date();
      const after = [await createContact(admin, 'After-One'), await createContact(admin, 'After-Two')];
      await eventually(
        () => at('/ok/replay'),
        (r) => r.length >= 4,
      );
      const subjectOf = (r: Received) => (JSON.parse(r.body) as { subjectId: string }).subjectId;

      await ok(admin, `mutation ($input: ReplayWebhookEndpointInput!) { replayWebhookEndpoint(input: $input) { since endpoint { id } } }`, {
        input: { endpointId: endpoint.id, since: since.toISOString() },
      });
      const replayed = await eventually(
        () => at('/ok/replay'),
        (r) => r.length >= 6,
      );
      await new Promise((r) => setTimeout(r, 1500));
      const counts = (ids: string[]) => ids.map((id) => at('/ok/replay').filter((r) => subjectOf(r) === id).length);
      expect(counts(after)).toEqual([2, 2]);
      expect(counts(before)).toEqual([1, 1]);
      // A replayed event carries the webhook-id it had the first time.
      for (const id of after) expect(new Set(replayed.filter((r) => subjectOf(r) === id).map((r) => r.webhookId)).size).toBe(1);

      const list = await deliveries(admin, endpoint.id);
      const first = list.find((d: any) => d.subjectId === before[0]);
      const again = await ok(admin, `mutation ($id: ID!) { redeliverWebhook(deliveryId: $id) { delivery { id status } } }`, {
        id: first.id,
      });
      expect(again.redeliverWebhook.delivery).toEqual({ id: first.id, status: 'PENDING' });
      await eventually(
        () => counts(before),
        (c) => c[0] === 2,
      );
      const redelivered = at('/ok/replay').filter((r) => subjectOf(r) === before[0]);
      expect(redelivered[1].webhookId).toBe(redelivered[0].webhookId);
      const settled = await eventually(
        () => deliveries(admin, endpoint.id),
        (d) => d.find((x: any) => x.id === first.id).status === 'SUCCEEDED',
      );
      expect(settled.find((x: any) => x.id === first.id).attempts.map((a: any) => a.attempt)).toEqual([1, 2]);
    });

    it('replays to a new endpoint events from before it existed, with their personal fields opened (the streams keep them sealed)', async () => {
      const since = new Date(Date.now() - 1000);
      const contactId = await createContact(admin, 'Sealed-Late');
      const { endpoint } = await subscribe(admin, '/ok/late');
      await ok(admin, `mutation ($input: ReplayWebhookEndpointInput!) { replayWebhookEndpoint(input: $input) { since } }`, {
        input: { endpointId: endpoint.id, since: since.toISOString() },
      });
      const [got] = await eventually(
        () => at('/ok/late').filter((r) => (JSON.parse(r.body) as { subjectId: string }).subjectId === contactId),
        (r) => r.length >= 1,
      );
      expect((JSON.parse(got.body) as { data: { contact: unknown } }).data.contact).toMatchObject({
        id: contactId,
        lastName: 'Sealed-Late',
        emails: ['sealed-late@x.test'],
      });
    });

    it('delivers events about one contact in order when the endpoint asks for it, each waiting for the one before', async () => {
      await subscribe(admin, '/fail-2/ordered', { eventTypes: ['sales.contact.created', 'sales.contact.updated'], orderedBySubject: true });
      const contactId = await createContact(admin, 'Ordered');
      for (const firstName of ['One', 'Two'])
        await ok(admin, `mutation ($i: UpdateContactInput!) { updateContact(input: $i) { contact { id } } }`, {
          i: { id: contactId, firstName },
        });
      const got = await eventually(
        () => at('/fail-2/ordered'),
        (r) => r.filter((x) => x.answered === 204).length >= 3,
      );
      const events = got.map((r) => JSON.parse(r.body) as { id: string; type: string; data: { contact: { firstName: string | null } } });
      const succeeded = got.flatMap((r, i) => (r.answered === 204 ? [events[i]] : []));
      expect(succeeded.map((e) => [e.type, e.data.contact.firstName])).toEqual([
        ['sales.contact.created', null],
        ['sales.contact.updated', 'One'],
        ['sales.contact.updated', 'Two'],
      ]);
      // Every request for an event came after every earlier event had succeeded: three failures each, never interleaved.
      expect(events.map((e) => e.id)).toEqual(succeeded.flatMap((e) => [e.id, e.id, e.id]));
    });

    it('signs with the old and the new secret during a rotation', async () => {
      const { endpoint, secret: oldSecret } = await subscribe(admin, '/ok/rotate');
      const rotated = await ok(
        admin,
        `mutation ($input: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $input) { secret endpoint { previousSecretExpiresAt } } }`,
        { input: { endpointId: endpoint.id, gracePeriodSeconds: 3600 } },
      );
      const newSecret = rotated.rotateWebhookSecret.secret as string;
      expect(newSecret).not.toBe(oldSecret);
      expect(new Date(rotated.rotateWebhookSecret.endpoint.previousSecretExpiresAt).getTime()).toBeGreaterThan(Date.now() + 3500_000);
      await createContact(admin, 'Rotated');
      const [got] = await eventually(
        () => at('/ok/rotate'),
        (r) => r.length >= 1,
      );
      expect(got.headers['webhook-signature'].split(' ')).toHaveLength(2);
      expect(new Webhook(oldSecret).verify(got.body, got.headers)).toBeTruthy();
      expect(new Webhook(newSecret).verify(got.body, got.headers)).toBeTruthy();
    });

    it('keeps secrets sealed in the table; a wrong key fails the start naming WEBHOOK_SECRET_KEYS; the migration seals clear rows; a new key reseals them', async () => {
      const { endpoint, secret: oldSecret } = await subscribe(admin, '/ok/sealed');
      const rotated = await ok(admin, `mutation ($input: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $input) { secret } }`, {
        input: { endpointId: endpoint.id, gracePeriodSeconds: 3600 },
      });
      const newSecret = rotated.rotateWebhookSecret.secret as string;
      const stored = async () =>
        (await asSuperuser((c) => c.query(`SELECT secret, previous_secret FROM webhook_endpoints WHERE id = $1`, [endpoint.id]))).rows[0];
      const clearParts = (s: string) => [s, s.slice(6), Buffer.from(s.slice(6), 'base64').toString('hex')];
      const row = await stored();
      for (const column of [row.secret, row.previous_secret] as string[]) {
        expect(column).toMatch(/^gcm1:dev:/);
        for (const part of [...clearParts(oldSecret), ...clearParts(newSecret), 'whsec_']) expect(column).not.toContain(part);
      }

      // The start-up check, against these rows: another key is refused by name, before any delivery.
      const db = platform.identity.app.get(ServiceDatabase);
      const wrong = new WebhookSecrets({ NODE_ENV: 'test', WEBHOOK_SECRET_KEYS: `dev:${randomBytes(32).toString('base64')}` } as never, db);
      await expect(wrong.onModuleInit()).rejects.toThrow(/WEBHOOK_SECRET_KEYS key "dev" does not open/);
      const missing = new WebhookSecrets(
        { NODE_ENV: 'test', WEBHOOK_SECRET_KEYS: `k9:${randomBytes(32).toString('base64')}` } as never,
        db,
      );
      await expect(missing.onModuleInit()).rejects.toThrow(/WEBHOOK_SECRET_KEYS has no key "dev"/);

      // A row as it was before the migration (clear), sealed by the migration itself; deliveries still verify.
      await asSuperuser(async (c) => {
        await c.query('BEGIN');
        await c.query(`ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_secrets_sealed`);
        await c.query(`UPDATE webhook_endpoints SET secret = $2, previous_secret = $3 WHERE id = $1`, [endpoint.id, newSecret, oldSecret]);
        await new IdentityWebhookSecretsSealed1766950000000().up({
          query: async (sql: string, params?: unknown[]) => (await c.query(sql, params)).rows,
        } as never);
        await c.query('COMMIT');
      });
      const migrated = await stored();
      expect(migrated.secret).toMatch(/^gcm1:dev:/);
      expect(migrated.previous_secret).toMatch(/^gcm1:dev:/);

      // Key rotation: a start with a new key in front reseals every row under it; back again the same way.
      const k2 = `k2:${randomBytes(32).toString('base64')}`;
      await new WebhookSecrets({ NODE_ENV: 'test', WEBHOOK_SECRET_KEYS: `${k2},${DEV_WEBHOOK_SECRET_KEYS}` } as never, db).onModuleInit();
      expect(await stored()).toEqual({ secret: expect.stringMatching(/^gcm1:k2:/), previous_secret: expect.stringMatching(/^gcm1:k2:/) });
      await new WebhookSecrets({ NODE_ENV: 'test', WEBHOOK_SECRET_KEYS: `${DEV_WEBHOOK_SECRET_KEYS},${k2}` } as never, db).onModuleInit();
      expect(await stored()).toEqual({ secret: expect.stringMatching(/^gcm1:dev:/), previous_secret: expect.stringMatching(/^gcm1:dev:/) });
      await createContact(admin, 'Sealed');
      const [got] = await eventually(
        () => at('/ok/sealed'),
        (r) => r.length >= 1,
      );
      expect(got.headers['webhook-signature'].split(' ')).toHaveLength(2);
      expect(new Webhook(newSecret).verify(got.body, got.headers)).toBeTruthy();
      expect(new Webhook(oldSecret).verify(got.body, got.headers)).toBeTruthy();
    });

    it('deletes an endpoint: nothing more reaches it, its deliveries go with it, and a second delete is NOT_FOUND', async () => {
      const { endpoint } = await subscribe(admin, '/ok/deleted');
      await createContact(admin, 'Before');
      await eventually(
        () => deliveries(admin, endpoint.id),
        (d) => d[0]?.status === 'SUCCEEDED',
      );
      const DELETE = `mutation ($id: ID!) { deleteWebhookEndpoint(id: $id) { deletedEndpointId } }`;
      const rep = bearer(await tenant.tokenFor('sales_rep'));
      expect((await graphql(platform.graphqlUrl, DELETE, { id: endpoint.id }, rep)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect((await ok(admin, DELETE, { id: endpoint.id })).deleteWebhookEndpoint).toEqual({ deletedEndpointId: endpoint.id });

      // A contact created after the delete, and one more on a live endpoint: once the live one has it, the deleted one never will.
      const { endpoint: live } = await subscribe(admin, '/ok/after-delete');
      await createContact(admin, 'After');
      await eventually(
        () => at('/ok/after-delete'),
        (r) => r.some((x) => JSON.parse(x.body).data.contact.lastName === 'After'),
      );
      expect(at('/ok/deleted').map((r) => JSON.parse(r.body).data.contact.lastName)).toEqual(['Before']);
      const gone = await graphql(platform.graphqlUrl, DELIVERIES, { endpointId: endpoint.id }, admin);
      expect(gone.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      const again = await graphql(platform.graphqlUrl, DELETE, { id: endpoint.id }, admin);
      expect(again.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      const bad = await graphql(platform.graphqlUrl, DELETE, { id: 'nope' }, admin);
      expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
      await ok(admin, DELETE, { id: live.id });
    });

    it('delivers a record’s deletion and restore (ADR 037), each signed, with the deletion id and the window', async () => {
      const types = ['sales.contact.deleted', 'sales.contact.restored'];
      const { endpoint, secret } = await subscribe(admin, '/ok/deletion', { eventTypes: types });
      expect(endpoint.eventTypes).toEqual(types);
      const contactId = await createContact(admin, 'Deletable');
      await ok(admin, `mutation ($id: ID!) { deleteContact(input: { id: $id }) { deletedRecord { id } } }`, { id: contactId });
      await ok(admin, `mutation ($id: ID!) { restoreContact(input: { id: $id }) { contact { id } } }`, { id: contactId });

      const got = await eventually(
        () => at('/ok/deletion'),
        (r) => r.length >= 2,
      );
      // In either order: this endpoint did not ask for per-subject order, and under load the two deliveries can cross.
      const payloads = got.map((g) => new Webhook(secret).verify(g.body, g.headers) as Record<string, any>);
      const byType = new Map(payloads.map((p) => [p.type as string, p]));
      expect(payloads.map((p) => [p.type, p.subjectId]).sort()).toEqual([
        ['sales.contact.deleted', contactId],
        ['sales.contact.restored', contactId],
      ]);
      const [deleted, restored] = types.map((type) => byType.get(type)!);
      expect(deleted.data).toMatchObject({ recordType: 'CONTACT', id: contactId, cascadeOf: null });
      expect(deleted.data.restorableUntil).toEqual(expect.any(String));
      expect(restored.data.deletionId).toBe(deleted.data.deletionId);
    });

    it('refuses bad input naming the field, and callers who may not manage webhooks', async () => {
      const bad = await graphql(
        platform.graphqlUrl,
        CREATE,
        { input: { url: `${receiver.url}/x`, eventTypes: ['identity.user.created'] } },
        admin,
      );
      expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'eventTypes' });
      const badUrl = await graphql(
        platform.graphqlUrl,
        CREATE,
        { input: { url: 'ftp://x.test/', eventTypes: ['sales.contact.created'] } },
        admin,
      );
      expect(badUrl.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
      const rep = bearer(await tenant.tokenFor('sales_rep'));
      const refused = await graphql(
        platform.graphqlUrl,
        CREATE,
        { input: { url: `${receiver.url}/x`, eventTypes: ['sales.contact.created'] } },
        rep,
      );
      expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      const listed = await graphql(
        platform.graphqlUrl,
        `
          {
            webhookEndpoints {
              id
            }
          }
        `,
        {},
        rep,
      );
      expect(listed.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    });
  });

  it('delivers to a partner key only what the key may read: a field denied to partners is absent, an unreadable event is not sent', async () => {
    const tenant = await createTenant(platform, 'hookkeys');
    const admin = bearer(await tenant.tokenFor('admin'));
    const keyWith = async (scopes: string[]) =>
      ({
        'x-api-key': (
          await ok(admin, `mutation ($s: [String!]!) { createApiKey(input: { name: "partner", scopes: $s }) { secret } }`, { s: scopes })
        ).createApiKey.secret,
      }) as Record<string, string>;
    await ok(
      admin,
      `mutation { setFieldAccess(input: { role: "partner", fieldGroup: CONTACT_DETAILS, access: NONE }) { fieldAccess { access } } }`,
    );
    const reader = await keyWith(['webhooks:write', 'contacts:read']);
    const blind = await keyWith(['webhooks:write']);
    const { secret } = await subscribe(reader, '/ok/partner');
    const { endpoint: blindEndpoint } = await subscribe(blind, '/ok/blind');
    const contactId = await createContact(admin, 'Partnered');

    const [got] = await eventually(
      () => at('/ok/partner'),
      (r) => r.length >= 1,
    );
    const payload = new Webhook(secret).verify(got.body, got.headers) as Record<string, any>;
    expect(payload.data.contact).toMatchObject({ id: contactId, lastName: 'Partnered' });
    expect(payload.data.contact).not.toHaveProperty('emails');
    expect(payload.data.contact).not.toHaveProperty('phones');

    const [skipped] = await eventually(
      () => deliveries(blind, blindEndpoint.id),
      (d) => d.length > 0 && d[0].status !== 'PENDING',
    );
    expect(skipped).toMatchObject({ status: 'SKIPPED', attemptCount: 0 });
    expect(at('/ok/blind')).toHaveLength(0);
  });

  it("disables an endpoint failing for longer than allowed and tells the tenant's admins in myNotifications", async () => {
    const tenant = await createTenant(platform, 'hookdown');
    const admin = bearer(await tenant.tokenFor('admin'));
    const { endpoint } = await subscribe(admin, '/always-fail/down');
    await createContact(admin, 'Down');
    const [disabled] = await eventually(
      async () => (await ok(admin, `{ webhookEndpoints { id enabled failingSince disabledAt disabledReason } }`)).webhookEndpoints,
      (e: any[]) => e[0]?.enabled === false,
    );
    expect(disabled).toMatchObject({ id: endpoint.id, enabled: false });
    expect(disabled.disabledReason).toMatch(/no successful delivery since/);
    const notifications = await eventually(
      async () => (await ok(admin, `{ myNotifications { kind webhookEndpoint { id url enabled } } }`)).myNotifications,
      (n: any[]) => n.length > 0,
    );
    expect(notifications).toEqual([
      { kind: 'WEBHOOK_DISABLED', webhookEndpoint: { id: endpoint.id, url: `${receiver.url}/always-fail/down`, enabled: false } },
    ]);
    // No more attempts once disabled.
    const attempts = at('/always-fail/down').length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(at('/always-fail/down').length).toBe(attempts);
  });
});

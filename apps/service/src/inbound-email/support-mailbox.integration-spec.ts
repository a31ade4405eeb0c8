import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR, TENANT_CREATED } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { StartedService } from '@rapport/service-kit';
import { startService, eventuallyWithin } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { ServiceAppModule } from '../app.module';
import { serviceDefinition } from '../service.definition';

jest.setTimeout(90_000);

const ENV = { SERVICE_INBOUND_EMAIL_DOMAIN: 'support.backfill.test', SERVICE_INBOUND_SMTP_PORT: '0' };

/**
 * Tenants created before support mailboxes existed were prepared without
 * one, and their identity.tenant.created was acknowledged long ago. The
 * mailbox consumer is a durable consumer of its own, so on its first run it
 * reads the IDENTITY stream from the beginning and gives them their mailbox.
 */
describe('support mailboxes of tenants created before them', () => {
  let service: StartedService | null = null;
  let nc: NatsConnection;
  const query = (sql: string, params: unknown[]) => (service as StartedService).app.get(DataSource).query(sql, params);
  const eventually = eventuallyWithin({ timeoutMs: 30_000 });
  const mailbox = async (tenantId: string): Promise<{ slug: string }[]> =>
    query(`SELECT slug FROM inbound_mailboxes WHERE tenant_id = $1`, [tenantId]);

  beforeAll(async () => {
    nc = await connect({ servers: process.env.NATS_URL });
  });

  afterAll(async () => {
    await service?.close();
    await nc?.close();
  });

  it('gives a tenant prepared without a mailbox its mailbox when the mailbox consumer first runs', async () => {
    service = await startService(ServiceAppModule, serviceDefinition, ENV);
    const tenantId = randomUUID();
    const slug = `old${tenantId.slice(0, 8)}`;
    const event = newEvent({
      type: TENANT_CREATED,
      tenantId,
      actor: SYSTEM_ACTOR,
      subjectId: tenantId,
      data: { tenant: { id: tenantId, slug, name: 'Old Tenant' } },
    });
    await nc.jetstream().publish(`${process.env.NATS_SUBJECT_PREFIX}.${TENANT_CREATED}`, Buffer.from(JSON.stringify(event)), {
      msgID: event.id,
    });
    // Tenant preparation took it (its knowledge settings exist) and so did the mailbox consumer.
    await eventually(
      () => query(`SELECT 1 FROM knowledge_settings WHERE tenant_id = $1`, [tenantId]),
      (rows) => rows.length === 1,
    );
    expect(
      await eventually(
        () => mailbox(tenantId),
        (rows) => rows.length === 1,
      ),
    ).toEqual([{ slug }]);

    // Back to the state before this change: the tenant has no mailbox, and no mailbox consumer ever ran.
    await query(`DELETE FROM inbound_mailboxes WHERE tenant_id = $1`, [tenantId]);
    await query(`DELETE FROM inbox WHERE consumer LIKE '%support-mailboxes%'`, []);
    await service.close();
    service = null;
    const jsm = await nc.jetstreamManager();
    const stream = `IDENTITY_${process.env.NATS_STREAM_SUFFIX}`;
    for await (const c of jsm.consumers.list(stream)) if (c.name.includes('support-mailboxes')) await jsm.consumers.delete(stream, c.name);

    // The new version starts: tenant preparation has nothing new, the mailbox consumer replays the stream.
    service = await startService(ServiceAppModule, serviceDefinition, ENV);
    expect(
      await eventually(
        () => mailbox(tenantId),
        (rows) => rows.length === 1,
      ),
    ).toEqual([{ slug }]);
  });
});

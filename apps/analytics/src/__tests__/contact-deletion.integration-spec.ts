import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import { CONTACT_CREATED, CONTACT_DELETED, CONTACT_PURGED, CONTACT_RESTORED, SYSTEM_ACTOR, type EventEnvelope } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { analyticsDefinition } from '../analytics.definition';
import { AnalyticsAppModule } from '../app.module';
import { ClvService } from '../clv/clv.service';

/** Sales' contact deletions in analytics' copy, fed over NATS as in production: rankings drop a deleted contact (ADR 037). */
describe('analytics: deleted contacts', () => {
  let analytics: StartedService;
  let nc: NatsConnection;
  let ds: DataSource;
  const tenantId = randomUUID();
  const prefix = process.env.NATS_SUBJECT_PREFIX;
  const admin: Principal = { kind: 'user', tenantId, id: randomUUID(), roles: ['admin'], scopes: [], contactId: null };

  beforeAll(async () => {
    analytics = await startService(AnalyticsAppModule, analyticsDefinition, { DB_SCHEMA_SUFFIX: `del_${process.env.RAPPORT_TEST_RUN_ID}` });
    nc = await connect({ servers: process.env.NATS_URL });
    ds = analytics.app.get(DataSource);
  });

  afterAll(async () => {
    await nc?.close();
    await analytics?.close();
  });

  const send = async (event: EventEnvelope) => {
    await nc.jetstream().publish(`${prefix}.${event.type}`, Buffer.from(JSON.stringify(event)), { msgID: event.id });
  };
  const state = async (id: string) =>
    (
      await ds.query(
        `SELECT deleted_at IS NOT NULL AS deleted, purged_at IS NOT NULL AS purged FROM contacts WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id],
      )
    )[0] ?? null;
  async function until<T>(read: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (JSON.stringify(value) === JSON.stringify(expected)) return;
      if (Date.now() > deadline) expect(value).toEqual(expected);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const deletion = (type: string, id: string, deletionId: string) => {
    const at = new Date().toISOString();
    return newEvent({
      type,
      tenantId,
      actor: SYSTEM_ACTOR,
      subjectId: id,
      data: {
        recordType: 'CONTACT',
        id,
        deletionId,
        deletedAt: at,
        restorableUntil: at,
        cascadeOf: null,
        restoredAt: at,
        purgedAt: at,
      } as never,
    });
  };
  const created = (id: string) => {
    const now = new Date().toISOString();
    const contact = {
      id,
      accountId: null,
      ownerId: null,
      firstName: 'Val',
      lastName: 'Ued',
      emails: [],
      phones: [],
      externalIds: [],
      createdAt: now,
      updatedAt: now,
    };
    return newEvent({ type: CONTACT_CREATED, tenantId, actor: SYSTEM_ACTOR, subjectId: id, data: { contact } });
  };
  const ranked = async () => (await analytics.app.get(ClvService).topCustomers(admin, 100)).map((r) => r.contact.id);

  it('drops a deleted contact from the rankings, brings it back on restore, and keeps it out once purged', async () => {
    const id = uuidv7();
    await send(created(id));
    await until(() => state(id), { deleted: false, purged: false });
    // A scored customer, as the CLV job leaves one.
    await ds.query(
      `INSERT INTO customer_values (tenant_id, contact_id, model_id, x, t_x, t, m, p_alive, expected_purchases, clv, currency, churn_risk, churn_band, scored_at, as_of)
       VALUES ($1, $2, $3, 3, 10, 20, 50, 0.9, 2, 500, 'EUR', 0.1, 'LOW', now(), now())`,
      [tenantId, id, randomUUID()],
    );
    expect(await ranked()).toContain(id);

    const first = uuidv7();
    await send(deletion(CONTACT_DELETED, id, first));
    await until(() => state(id), { deleted: true, purged: false });
    expect(await ranked()).not.toContain(id);

    await send(deletion(CONTACT_RESTORED, id, first));
    await until(() => state(id), { deleted: false, purged: false });
    expect(await ranked()).toContain(id);

    const second = uuidv7();
    await send(deletion(CONTACT_DELETED, id, second));
    await send(deletion(CONTACT_PURGED, id, second));
    await until(() => state(id), { deleted: true, purged: true });
    // A late restore of the purged deletion changes nothing: purged is final.
    await send(deletion(CONTACT_RESTORED, id, second));
    // A later event on the same consumer: once it is applied, so is the restore before it.
    const later = uuidv7();
    await send(created(later));
    await until(() => state(later), { deleted: false, purged: false });
    expect(await state(id)).toEqual({ deleted: true, purged: true });
    expect(await ranked()).not.toContain(id);
  });
});

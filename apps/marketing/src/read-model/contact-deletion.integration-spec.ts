import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import { CONTACT_CREATED, CONTACT_DELETED, CONTACT_PURGED, CONTACT_RESTORED, SYSTEM_ACTOR, type EventEnvelope } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { MarketingAppModule } from '../app.module';
import { marketingDefinition } from '../marketing.definition';
import { SegmentsService } from '../segments/segments.service';

/** Sales' contact deletions in marketing's read model, fed over NATS as in production (ADR 037). */
describe('marketing: deleted contacts leave segments and come back on restore', () => {
  let marketing: StartedService;
  let nc: NatsConnection;
  const tenantId = randomUUID();
  const prefix = process.env.NATS_SUBJECT_PREFIX;
  const marketer: Principal = { kind: 'user', tenantId, id: randomUUID(), roles: ['marketer'], scopes: [], contactId: null };
  const lastName = `Segmented-${tenantId.slice(0, 8)}`;

  beforeAll(async () => {
    marketing = await startService(MarketingAppModule, marketingDefinition, { DB_SCHEMA_SUFFIX: `del_${process.env.RAPPORT_TEST_RUN_ID}` });
    nc = await connect({ servers: process.env.NATS_URL });
  });

  afterAll(async () => {
    await nc?.close();
    await marketing?.close();
  });

  const send = async (event: EventEnvelope) => {
    await nc.jetstream().publish(`${prefix}.${event.type}`, Buffer.from(JSON.stringify(event)), { msgID: event.id });
  };
  const created = (id: string) => {
    const now = new Date().toISOString();
    const contact = {
      id,
      accountId: null,
      ownerId: null,
      firstName: 'Seg',
      lastName,
      emails: [`${id}@seg.test`],
      phones: [],
      externalIds: [],
      createdAt: now,
      updatedAt: now,
    };
    return newEvent({ type: CONTACT_CREATED, tenantId, actor: SYSTEM_ACTOR, subjectId: id, data: { contact } });
  };
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
  const members = async () =>
    (await marketing.app.get(SegmentsService).preview(marketer, { field: 'lastName', op: 'eq', value: lastName }, 10)).sample
      .map((s) => s.id)
      .sort();
  async function until<T>(read: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (JSON.stringify(value) === JSON.stringify(expected)) return;
      if (Date.now() > deadline) expect(value).toEqual(expected);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('takes a deleted contact out of every audience, puts it back on restore, and keeps it out once purged', async () => {
    const [kept, deleted] = [uuidv7(), uuidv7()].sort();
    await send(created(kept));
    await send(created(deleted));
    await until(members, [kept, deleted]);

    const first = uuidv7();
    await send(deletion(CONTACT_DELETED, deleted, first));
    await until(members, [kept]);
    const [row] = await marketing.app
      .get(DataSource)
      .query(`SELECT emails FROM contacts WHERE tenant_id = $1 AND id = $2`, [tenantId, deleted]);
    expect(row.emails).toEqual([`${deleted}@seg.test`]); // kept for the restore

    await send(deletion(CONTACT_RESTORED, deleted, first));
    await until(members, [kept, deleted]);

    const second = uuidv7();
    await send(deletion(CONTACT_DELETED, deleted, second));
    await send(deletion(CONTACT_PURGED, deleted, second));
    await send(deletion(CONTACT_RESTORED, deleted, second));
    // A later event on the same consumer: once it shows, everything before it was applied.
    const later = uuidv7();
    await send(created(later));
    await until(members, [kept, later].sort());
  });
});

import { randomUUID } from 'node:crypto';
import { SYSTEM_ACTOR, USER_CREATED } from '@rapport/contracts';
import { deadLetterStream, listParked, newEvent, replayParked, streamFor, type ParkedRecord } from '@rapport/messaging';
import { ServiceDatabase, type StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { SalesAppModule } from '../app.module';
import { salesDefinition } from '../sales.definition';

/**
 * The service kit's wiring of the dead letter (docs/adr/018-dead-letter.md):
 * a running service answers replay requests through the consumer that
 * parked the event, once, and reports parked events in /metrics.
 */
describe('a running service replays its parked events', () => {
  let sales: StartedService;
  let nc: NatsConnection;
  const naming = { subjectPrefix: process.env.NATS_SUBJECT_PREFIX!, streamSuffix: process.env.NATS_STREAM_SUFFIX! };
  const tenantId = randomUUID();
  const userId = randomUUID();

  beforeAll(async () => {
    sales = await startService(SalesAppModule, salesDefinition, { DB_SCHEMA_SUFFIX: `dlq_${process.env.RAPPORT_TEST_RUN_ID}` });
    nc = await connect({ servers: process.env.NATS_URL });
  });

  afterAll(async () => {
    await nc?.close();
    await sales?.close();
  });

  const projected = () =>
    sales.app.get(ServiceDatabase).withTenant(tenantId, (em) => em.query(`SELECT id FROM identity_users WHERE id = $1`, [userId]));

  it('applies a parked identity.user.created through sales_identity_users exactly once', async () => {
    const event = newEvent({
      type: USER_CREATED,
      tenantId,
      actor: SYSTEM_ACTOR,
      subjectId: userId,
      data: { user: { id: userId, email: 'parked@users.test', displayName: 'Parked', roles: ['sales_rep'], active: true } },
    });
    // What the consumer parks when its handler has failed past the budget (the consumer-level path is
    // covered in test/integration/dead-letter.integration-spec.ts).
    const record: ParkedRecord = {
      service: 'sales',
      consumer: 'sales_identity_users',
      stream: `IDENTITY_${naming.streamSuffix}`,
      subject: `${naming.subjectPrefix}.${USER_CREATED}`,
      streamSeq: 1,
      publishedAt: event.occurredAt,
      parkedAt: new Date().toISOString(),
      attempts: 13,
      error: 'Connection terminated unexpectedly',
      envelope: event,
      raw: null,
    };
    const stream = streamFor(naming, deadLetterStream('sales')).name;
    const ack = await nc
      .jetstream()
      .publish(`${naming.subjectPrefix}.deadletter.sales.parked.sales_identity_users`, Buffer.from(JSON.stringify(record)), {
        expect: { streamName: stream },
      });
    const id = `sales:${ack.seq}`;
    expect((await listParked(nc, naming, { service: 'sales' })).map((p) => p.id)).toContain(id);
    const metrics = await (await fetch(`${sales.url}/metrics`)).text();
    expect(metrics).toMatch(/rapport_events_parked\{consumer="sales_identity_users",service="sales"\} 1/);

    expect(await projected()).toHaveLength(0);
    expect(await replayParked(nc, naming, id)).toEqual({ id, outcome: 'applied' });
    expect(await projected()).toHaveLength(1);
    expect(await replayParked(nc, naming, id)).toEqual({ id, outcome: 'gone' });
    expect((await listParked(nc, naming, { service: 'sales' })).map((p) => p.id)).not.toContain(id);
    expect(await (await fetch(`${sales.url}/metrics`)).text()).toMatch(
      /rapport_events_replayed_total\{consumer="sales_identity_users",outcome="applied",service="sales"\} 1/,
    );
  });
});

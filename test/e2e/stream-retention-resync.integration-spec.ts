import { STREAMS, type EventEnvelope } from '@rapport/contracts';
import { ensureStream, streamFor, type MessagingNaming } from '@rapport/messaging';
import type { StartedService } from '@rapport/service-kit';
import { startService, StreamProbe } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { SalesAppModule } from '../../apps/sales/src/app.module';
import { salesDefinition } from '../../apps/sales/src/sales.definition';
import { eventually, gatewayClient, marketingDb } from '../harness/marketing-fixtures';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(240_000);

/**
 * Issue 13 / ADR 053: streams keep messages for NATS_STREAM_MAX_AGE only. A
 * sales instance started with a short retention for SALES applies it to the
 * existing stream, whose old contact events then expire; marketing's
 * `replayReadModel` afterwards still rebuilds every live contact (and not
 * the deleted one), because sales republishes them for the rebuild — sealed
 * like every contact event — and the same resync restores service's and
 * analytics' copies of a contact they had lost.
 */
describe('stream retention with resync (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let nc: NatsConnection;
  let naming: MessagingNaming;
  const saved = { prefix: process.env.NATS_SUBJECT_PREFIX, suffix: process.env.NATS_STREAM_SUFFIX };
  const run = Math.random().toString(36).slice(2, 8);

  beforeAll(async () => {
    // Streams of this file's own: their retention is shortened below, which no other test may meet.
    process.env.NATS_SUBJECT_PREFIX = `${saved.prefix}r${run}`;
    process.env.NATS_STREAM_SUFFIX = `${saved.suffix}r${run}`;
    naming = { subjectPrefix: process.env.NATS_SUBJECT_PREFIX, streamSuffix: process.env.NATS_STREAM_SUFFIX };
    nc = await connect({ servers: process.env.NATS_URL });
    platform = await startPlatform();
    tenant = await createTenant(platform, 'retention');
  });

  afterAll(async () => {
    await platform?.stop();
    if (nc) {
      const jsm = await nc.jetstreamManager();
      for await (const stream of jsm.streams.list()) {
        if (stream.config.name.endsWith(`_${naming.streamSuffix}`)) await jsm.streams.delete(stream.config.name);
      }
      await nc.close();
    }
    process.env.NATS_SUBJECT_PREFIX = saved.prefix;
    process.env.NATS_STREAM_SUFFIX = saved.suffix;
  });

  it('a replay after old messages expired still has every live contact, and no deleted one', async () => {
    const manager = gatewayClient(platform, await tenant.tokenFor('sales_manager'));
    const admin = gatewayClient(platform, await tenant.tokenFor('admin'));
    const marketing = marketingDb(platform);
    const sales = streamFor(naming, STREAMS.SALES).name;
    const jsm = await nc.jetstreamManager();
    expect((await jsm.streams.info(sales)).config.max_age).toBe(400 * 86_400_000 * 1e6);

    const ids: string[] = [];
    for (const name of ['Ada', 'Grace', 'Edsger']) {
      const created = await manager<{ createContact: { contact: { id: string } } }>(
        `mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`,
        { i: { firstName: name, lastName: `Kept-${run}`, emails: [`${name.toLowerCase()}-${run}@retention.test`] } },
      );
      ids.push(created.createContact.contact.id);
    }
    const [ada, grace, edsger] = ids;
    await manager(`mutation($i: DeleteRecordInput!) { deleteContact(input: $i) { deletedRecord { id } } }`, { i: { id: edsger } });
    const agent = gatewayClient(platform, await tenant.tokenFor('support_agent'));
    const opened = await agent<{ openCase: { case: { id: string } } }>(
      `mutation($input: OpenCaseInput!) { openCase(input: $input) { case { id } } }`,
      { input: { contactId: ada, subject: `Broken again ${run}`, category: 'COMPLAINT' } },
    );
    const caseId = opened.openCase.case.id;
    const liveInMarketing = async () =>
      (
        await marketing.query(`SELECT id, first_name FROM contacts WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL ORDER BY first_name`, [
          ids,
        ])
      ).map((r: { id: string; first_name: string }) => `${r.first_name}:${r.id}`) as string[];
    const expected = [`Ada:${ada}`, `Grace:${grace}`];
    await eventually(liveInMarketing, (rows) => JSON.stringify(rows) === JSON.stringify(expected));
    const before = await jsm.streams.info(sales);

    // Sales started with a 3-second retention for SALES applies it to the existing stream at start.
    const shortLived: StartedService = await startService(SalesAppModule, salesDefinition, { NATS_STREAM_MAX_AGE: 'SALES=3s' });
    await shortLived.close();
    expect((await jsm.streams.info(sales)).config.max_age).toBe(3_000 * 1e6);
    await eventually(
      async () => (await jsm.streams.info(sales)).state.first_seq,
      (first) => first > before.state.last_seq,
      30_000,
    );
    // The operator gives the stream a longer window again: what is left of it stays, the expired contacts do not come back.
    await ensureStream(nc, naming, STREAMS.SALES, { maxAgeMs: 3_600_000 });
    expect((await jsm.streams.info(sales)).state.first_seq).toBeGreaterThan(before.state.last_seq);

    // Copies that missed Ada's events (a consumer created after they expired) hold nothing of her.
    const serviceDb = platform.services.service.app.get(DataSource);
    const analyticsDb = platform.services.analytics.app.get(DataSource);
    await serviceDb.query(`DELETE FROM customer_contacts WHERE id = $1`, [ada]);
    await analyticsDb.query(`DELETE FROM contacts WHERE id = $1`, [ada]);
    await eventually(
      async () => (await analyticsDb.query(`SELECT case_id FROM contact_cases WHERE case_id = $1`, [caseId])).length,
      (n) => n === 1,
    );
    await analyticsDb.query(`DELETE FROM contact_cases WHERE case_id = $1`, [caseId]);

    const started = await admin<{ replayReadModel: { id: string } }>(`mutation { replayReadModel { id status } }`);
    const replayId = started.replayReadModel.id;
    const done = await eventually(
      async () =>
        (
          await admin<{ readModelReplay: { status: string; eventsApplied: number; failure: string | null } }>(
            `query($id: ID!) { readModelReplay(id: $id) { status eventsApplied failure } }`,
            { id: replayId },
          )
        ).readModelReplay,
      (r) => r.status !== 'RUNNING',
      120_000,
    );
    expect(done).toMatchObject({ status: 'DONE', failure: null });
    expect(done.eventsApplied).toBeGreaterThanOrEqual(2);
    expect(await liveInMarketing()).toEqual(expected);
    // Nothing of the deleted contact: its events expired and it is no live record sales republishes.
    expect(await marketing.query(`SELECT id FROM contacts WHERE id = $1`, [edsger])).toEqual([]);
    const [{ email }] = await marketing.query(`SELECT email FROM contacts WHERE id = $1`, [ada]);
    expect(email).toBe(`ada-${run}@retention.test`);

    // The resync sales answered for marketing reached every copy of the contacts.
    await eventually(
      async () => (await serviceDb.query(`SELECT id FROM customer_contacts WHERE id = $1`, [ada])).length,
      (n) => n === 1,
    );
    await eventually(
      async () => (await analyticsDb.query(`SELECT id FROM contacts WHERE id = $1`, [ada])).length,
      (n) => n === 1,
    );
    // Service republished the open complaint for marketing's replay too: analytics' case copy has it back.
    await eventually(
      async () =>
        (await analyticsDb.query(`SELECT contact_id, category, open FROM contact_cases WHERE case_id = $1`, [caseId]))[0] as
          { contact_id: string; category: string; open: boolean } | undefined,
      (row) => row?.contact_id === ada && row?.category === 'COMPLAINT' && row?.open === true,
    );
    expect((await marketing.query(`SELECT open_complaints FROM contacts WHERE id = $1`, [ada]))[0].open_complaints).toBe(1);

    // What sales republished travels sealed, like every contact event (ADR 034).
    const probe = await StreamProbe.connect();
    try {
      const stored: EventEnvelope[] = await probe.storedEvents(sales, `${naming.subjectPrefix}.sales.contact.resynced`);
      const adaStored = stored.find((e) => e.subjectId === ada) as EventEnvelope<string, { contact: { lastName: string } }>;
      expect(adaStored.personal).toBeDefined();
      expect(adaStored.data.contact.lastName).toBe('[erased]');
      expect(stored.map((e) => e.subjectId)).not.toContain(edsger);
      const service = streamFor(naming, STREAMS.SERVICE).name;
      const cases = await probe.storedEvents(service, `${naming.subjectPrefix}.service.case.resynced`);
      const complaint = cases.find((e) => e.subjectId === caseId) as EventEnvelope<string, { case: { subject: string } }>;
      expect(complaint.personal).toBeDefined();
      expect(complaint.data.case.subject).toBe('[erased]');
    } finally {
      await probe.close();
    }
  });
});

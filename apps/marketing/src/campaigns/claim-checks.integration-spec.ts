import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import { SmtpSink } from '@rapport/channels/testing';
import { CASE_OPENED, CONTACT_CREATED, SYSTEM_ACTOR, type CaseSnapshotV1, type EventEnvelope } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { ServiceDatabase, WaitBudget, type StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import type { Job, Worker } from 'bullmq';
import Redis from 'ioredis';
import { MarketingAppModule } from '../app.module';
import { ConsentService } from '../consent/consent.service';
import { marketingDefinition } from '../marketing.definition';
import { MarketingConsumers } from '../read-model/marketing-consumers';
import { SegmentsService } from '../segments/segments.service';
import { SendPacer } from '../sending/send-pacer';
import { CampaignBatchSender, type BatchJobData } from './campaign-batch-sender';
import { CampaignLauncher } from './campaign-launcher';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignsService } from './campaigns.service';

/**
 * A send job claims many recipients at once (MARKETING_SEND_CLAIM_SIZE) and
 * checks them in one statement: the decision must still be each message's,
 * as of its claim. A contact who withdrew consent, or whose complaint was
 * opened, after the launch but before the claim gets nothing; the others in
 * the same claim are sent.
 */
describe('campaign sending: consent and complaints are checked per message at its claim', () => {
  let marketing: StartedService;
  let sink: SmtpSink;
  let redis: Redis;
  const tenantId = randomUUID();
  const marketer: Principal = { kind: 'user', tenantId, id: randomUUID(), roles: ['marketer'], scopes: [], contactId: null };
  const lastName = `Claimed-${tenantId.slice(0, 8)}`;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    marketing = await startService(MarketingAppModule, marketingDefinition, {
      MARKETING_SMTP_URL: sink.url,
      MARKETING_EMAIL_FROM: 'News <news@claims.test>',
      MARKETING_SEND_CLAIM_SIZE: '200',
      MARKETING_EMAIL_RATE_PER_SECOND: '10000',
    });
  });

  afterAll(async () => {
    await marketing?.close();
    await sink?.close();
    redis?.disconnect();
  });

  const apply = (events: EventEnvelope[]) => {
    const db = marketing.app.get(ServiceDatabase);
    return db.withTenant(tenantId, (em) => marketing.app.get(MarketingConsumers).handleBatch(events, em, tenantId));
  };
  const created = (id: string, i: number) => {
    const now = new Date().toISOString();
    const contact = {
      ...{ id, accountId: null, ownerId: null, firstName: 'Claim', lastName },
      ...{ emails: [`claimed${i}@claims.test`], phones: [], externalIds: [], createdAt: now, updatedAt: now },
    };
    return newEvent({ type: CONTACT_CREATED, tenantId, actor: SYSTEM_ACTOR, subjectId: id, data: { contact } });
  };
  const complaint = (contactId: string) => {
    const now = new Date().toISOString();
    const kase: CaseSnapshotV1 = {
      ...{ id: randomUUID(), contactId, accountId: null, subject: 'Rude mail', channel: 'EMAIL', category: 'COMPLAINT' },
      ...{ priority: 'HIGH', status: 'NEW', ownerId: null, queueId: null, tier: null, createdAt: now, updatedAt: now },
    };
    return newEvent({ type: CASE_OPENED, tenantId, actor: SYSTEM_ACTOR, subjectId: kase.id, data: { case: kase } });
  };
  const setConsent = (contactId: string, status: 'OPTED_IN' | 'OPTED_OUT') =>
    marketing.app.get(ConsentService).set(marketer, { contactId, channel: 'EMAIL', status, source: 'claim-spec' }, new WaitBudget(5000));

  it('skips the contact who opted out and the one who complained since the launch, and sends the rest of the claim', async () => {
    const ids = Array.from({ length: 6 }, () => randomUUID());
    await apply(ids.map(created));
    for (const id of ids) await setConsent(id, 'OPTED_IN');
    const segment = await marketing.app.get(SegmentsService).create(marketer, {
      name: 'Claimed',
      rule: { field: 'lastName', op: 'eq', value: lastName },
    });
    const campaigns = marketing.app.get(CampaignsService);
    const draft = await campaigns.create(marketer, {
      name: 'One claim',
      segmentId: segment.id,
      channel: 'EMAIL',
      variants: [{ key: 'A', splitPercent: 100, subject: 'Offer', text: 'Hello' }],
    });
    // Launched (audience drawn, campaign SENDING) without queueing its jobs: the spec runs the batch itself.
    const db = marketing.app.get(ServiceDatabase);
    const repo = marketing.app.get(CampaignsRepository);
    const draw = await db.withTenant(tenantId, async (em) =>
      marketing.app.get(CampaignLauncher).start(em, tenantId, await repo.load(em, tenantId, draft.id), { enforceBudget: false }),
    );
    expect(draw.toSend).toBe(6);

    // After the launch, before the claim: one contact withdraws consent, another complains.
    const [optedOut, complained] = ids;
    await setConsent(optedOut, 'OPTED_OUT');
    await apply([complaint(complained)]);

    const pacer = new SendPacer(redis, `claim-spec:${tenantId}`);
    const sender = marketing.app.get(CampaignBatchSender);
    let sent = 0;
    let skipped = 0;
    for (const batch of draw.batches) {
      const job = { data: { tenantId, campaignId: draft.id, batch } } as Job<BatchJobData>;
      const result = await sender.run(job, { closing: false } as unknown as Worker<BatchJobData>, pacer);
      sent += result.sent;
      skipped += result.skipped;
    }
    expect({ sent, skipped }).toEqual({ sent: 4, skipped: 2 });

    const received = await sink.waitForMessages(4);
    expect(received.map((m) => m.envelope.to[0]).sort()).toEqual(
      ids
        .slice(2)
        .map((id) => `claimed${ids.indexOf(id)}@claims.test`)
        .sort(),
    );
    const states: { contact_id: string; status: string; skip_reason: string | null }[] = await db.withTenant(tenantId, (em) =>
      em.query(`SELECT contact_id, status, skip_reason FROM campaign_recipients WHERE tenant_id = $1 AND campaign_id = $2`, [
        tenantId,
        draft.id,
      ]),
    );
    const stateOf = (id: string) => states.find((s) => s.contact_id === id);
    expect(stateOf(optedOut)).toMatchObject({ status: 'SKIPPED', skip_reason: 'NO_CONSENT' });
    expect(stateOf(complained)).toMatchObject({ status: 'SKIPPED', skip_reason: 'OPEN_COMPLAINT' });
    expect(states.filter((s) => s.status === 'SENT')).toHaveLength(4);
  });
});

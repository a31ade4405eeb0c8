import { returnedRows } from '@rapport/persistence';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import { eligibilitySql } from '../sending/eligibility-sql';
import { claimMessage, claimMessages } from '../sending/message-rows';
import { checkRecipient, RECIPIENT_COLUMNS, type RecipientRow } from '../sending/recipient-view';
import type { CampaignView } from './campaign-view';

export type Claim =
  | { kind: 'claimed'; messageId: string; address: string; variantKey: string; recipient: RecipientRow }
  | { kind: 'skipped'; reason: string }
  | { kind: 'gone' };

/**
 * Takes one recipient of a campaign for sending, in one transaction:
 * checks — now, at send time — that the contact may still get it (consent,
 * suppression, complaints, address), that the campaign still runs and its
 * budget covers one more message, then writes the message row (SENDING)
 * and marks the recipient. Only a PENDING recipient can be claimed, so two
 * workers never take the same one.
 */
export async function claimRecipient(
  em: EntityManager,
  tenantId: string,
  campaign: CampaignView,
  /** Each variant's template, as the batch loaded them. */
  templates: ReadonlyMap<string, string>,
  contactId: string,
): Promise<Claim> {
  const [recipient]: { status: string; variant_key: string }[] = await em.query(
    `SELECT status, variant_key FROM campaign_recipients WHERE campaign_id = $1 AND contact_id = $2 FOR UPDATE`,
    [campaign.id, contactId],
  );
  if (!recipient || recipient.status !== 'PENDING') return { kind: 'gone' };
  const target = await checkRecipient(em, tenantId, contactId, campaign.channel, campaign.purpose);
  const skip = async (reason: string): Promise<Claim> => {
    await em.query(`UPDATE campaign_recipients SET status = 'SKIPPED', skip_reason = $3 WHERE campaign_id = $1 AND contact_id = $2`, [
      campaign.id,
      contactId,
      reason,
    ]);
    return { kind: 'skipped', reason };
  };
  if (!target) return skip('UNKNOWN_CONTACT');
  if (target.blocked) return skip(target.blocked);
  // With a budget, claims count against it on the campaign row (which serialises them, exactly);
  // without one, the campaign's status is all there is to check, and claims run in parallel.
  const funded = campaign.budget
    ? returnedRows(
        await em.query(
          `UPDATE campaigns SET messages_claimed = messages_claimed + 1
            WHERE tenant_id = $1 AND id = $2 AND status = 'SENDING' AND (messages_claimed + 1) * cost_per_message <= budget
            RETURNING status`,
          [tenantId, campaign.id],
        ),
      )
    : ((await em.query(`SELECT status FROM campaigns WHERE tenant_id = $1 AND id = $2 AND status = 'SENDING'`, [
        tenantId,
        campaign.id,
      ])) as unknown[]);
  if (funded.length === 0) {
    const [state]: { status: string }[] = await em.query(`SELECT status FROM campaigns WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      campaign.id,
    ]);
    return skip(state?.status === 'SENDING' ? 'BUDGET_EXHAUSTED' : 'CANCELLED');
  }
  const messageId = uuidv7();
  await claimMessage(em, {
    id: messageId,
    tenantId,
    contactId,
    channel: campaign.channel,
    purpose: campaign.purpose,
    address: target.address as string,
    campaignId: campaign.id,
    variantKey: recipient.variant_key,
    templateId: templates.get(recipient.variant_key),
  });
  await em.query(`UPDATE campaign_recipients SET status = 'SENDING', message_id = $3 WHERE campaign_id = $1 AND contact_id = $2`, [
    campaign.id,
    contactId,
    messageId,
  ]);
  return { kind: 'claimed', messageId, address: target.address as string, variantKey: recipient.variant_key, recipient: target };
}

/** A claimed batch: the messages to send now, how many recipients were skipped, and whether the campaign stopped. */
export interface ClaimedBatch {
  claimed: { contactId: string; messageId: string; address: string; variantKey: string; recipient: RecipientRow }[];
  skipped: number;
  /** Nothing was pending any more (in this batch of the campaign) that no other worker holds. */
  exhausted: boolean;
  /** The campaign is no longer sending (cancelled, paused, finished): stop. */
  stopped: boolean;
}

/**
 * `claimRecipient` for up to `limit` recipients of a campaign's batch at
 * once, in one transaction and a handful of statements: the next PENDING
 * recipients are locked (SKIP LOCKED, so workers sharing a batch take
 * different ones), each is checked with the same eligibility SQL as the
 * audience draw (consent, suppression, complaints, address — per contact,
 * set-based), a budget grants as many claims as it still covers, and the
 * message rows (SENDING) and recipient states are written in bulk.
 */
export async function claimRecipients(
  em: EntityManager,
  tenantId: string,
  campaign: CampaignView,
  templates: ReadonlyMap<string, string>,
  batch: number,
  limit: number,
): Promise<ClaimedBatch> {
  const eligibility = eligibilitySql('$5::text', '$6::text');
  const picked: (RecipientRow & { contact_id: string; variant_key: string; address: string | null; blocked: string | null })[] =
    await em.query(
      `WITH picked AS (
         SELECT contact_id, variant_key, bucket FROM campaign_recipients
          WHERE campaign_id = $2 AND batch = $3 AND status = 'PENDING'
          ORDER BY bucket, contact_id LIMIT $4 FOR UPDATE SKIP LOCKED)
       SELECT p.contact_id, p.variant_key, ${RECIPIENT_COLUMNS}, ${eligibility.address} AS address,
              CASE WHEN c.id IS NULL THEN 'UNKNOWN_CONTACT' ELSE ${eligibility.blockedBy} END AS blocked
         FROM picked p
         LEFT JOIN contacts c ON c.tenant_id = $1 AND c.id = p.contact_id AND c.deleted_at IS NULL
         ${eligibility.joins}
        ORDER BY p.bucket, p.contact_id`,
      [tenantId, campaign.id, batch, limit, campaign.channel, campaign.purpose],
    );
  if (picked.length === 0) return { claimed: [], skipped: 0, exhausted: true, stopped: false };
  const skips = new Map<string, string>();
  for (const p of picked) if (p.blocked) skips.set(p.contact_id, p.blocked);
  const eligible = picked.filter((p) => !p.blocked);

  const granted = eligible.length === 0 ? { n: 0, sending: true } : await grantClaims(em, tenantId, campaign, eligible.length);
  const funded = eligible.slice(0, granted.n);
  for (const p of eligible.slice(granted.n)) skips.set(p.contact_id, granted.sending ? 'BUDGET_EXHAUSTED' : 'CANCELLED');

  if (skips.size > 0) {
    await em.query(
      `UPDATE campaign_recipients r SET status = 'SKIPPED', skip_reason = v.reason
         FROM unnest($2::uuid[], $3::text[]) AS v(contact_id, reason)
        WHERE r.campaign_id = $1 AND r.contact_id = v.contact_id`,
      [campaign.id, [...skips.keys()], [...skips.values()]],
    );
  }
  const claimed = funded.map((p) => ({
    contactId: p.contact_id,
    messageId: uuidv7(),
    address: p.address as string,
    variantKey: p.variant_key,
    recipient: p as RecipientRow,
  }));
  if (claimed.length > 0) {
    await claimMessages(
      em,
      claimed.map((c) => ({
        id: c.messageId,
        tenantId,
        contactId: c.contactId,
        channel: campaign.channel,
        purpose: campaign.purpose,
        address: c.address,
        campaignId: campaign.id,
        variantKey: c.variantKey,
        templateId: templates.get(c.variantKey),
      })),
    );
    await em.query(
      `UPDATE campaign_recipients r SET status = 'SENDING', message_id = v.message_id
         FROM unnest($2::uuid[], $3::uuid[]) AS v(contact_id, message_id)
        WHERE r.campaign_id = $1 AND r.contact_id = v.contact_id`,
      [campaign.id, claimed.map((c) => c.contactId), claimed.map((c) => c.messageId)],
    );
  }
  return { claimed, skipped: skips.size, exhausted: false, stopped: !granted.sending };
}

/**
 * How many of `wanted` claims the campaign grants now: all while it is
 * sending without a budget; with one, as many as it still covers, counted on
 * the campaign row (which serialises claims, exactly). None once it stopped.
 */
async function grantClaims(
  em: EntityManager,
  tenantId: string,
  campaign: CampaignView,
  wanted: number,
): Promise<{ n: number; sending: boolean }> {
  if (!campaign.budget) {
    const sending: unknown[] = await em.query(`SELECT 1 FROM campaigns WHERE tenant_id = $1 AND id = $2 AND status = 'SENDING'`, [
      tenantId,
      campaign.id,
    ]);
    return { n: sending.length > 0 ? wanted : 0, sending: sending.length > 0 };
  }
  const [grant] = returnedRows<{ n: number }>(
    await em.query(
      `UPDATE campaigns c SET messages_claimed = c.messages_claimed + g.n
         FROM (SELECT id, CASE WHEN cost_per_message = 0 THEN $3::int
                               ELSE LEAST($3::int, GREATEST(0, floor(budget / cost_per_message)::int - messages_claimed)) END AS n
                 FROM campaigns WHERE tenant_id = $1 AND id = $2 AND status = 'SENDING' FOR UPDATE) g
        WHERE c.id = g.id RETURNING g.n`,
      [tenantId, campaign.id, wanted],
    ),
  );
  return grant ? { n: Number(grant.n), sending: true } : { n: 0, sending: false };
}

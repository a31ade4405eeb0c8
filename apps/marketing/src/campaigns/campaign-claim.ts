import { returnedRows } from '@rapport/persistence';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import { claimMessage } from '../sending/message-rows';
import { checkRecipient, type RecipientRow } from '../sending/recipient-view';
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

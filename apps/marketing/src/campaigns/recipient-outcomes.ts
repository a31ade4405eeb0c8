import type { EntityManager } from 'typeorm';

/**
 * What became of a campaign's message, on its recipient row: MessageLedger
 * calls these in the transaction that moves the message, so the recipient
 * and the message never disagree. Each names the message, so a recipient
 * claimed again since (a released message) is left alone.
 */

export async function recipientSent(em: EntityManager, campaignId: string, contactId: string, messageId: string, at: Date): Promise<void> {
  await em.query(
    `UPDATE campaign_recipients SET status = 'SENT', touched_at = $3 WHERE campaign_id = $1 AND contact_id = $4 AND message_id = $2`,
    [campaignId, messageId, at, contactId],
  );
}

/** recipientSent for many messages of campaigns at once. */
export async function recipientsSent(
  em: EntityManager,
  sent: readonly { campaignId: string; contactId: string; messageId: string }[],
  at: Date,
): Promise<void> {
  if (sent.length === 0) return;
  await em.query(
    `UPDATE campaign_recipients r SET status = 'SENT', touched_at = $4
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS v(campaign_id, contact_id, message_id)
      WHERE r.campaign_id = v.campaign_id AND r.contact_id = v.contact_id AND r.message_id = v.message_id`,
    [sent.map((s) => s.campaignId), sent.map((s) => s.contactId), sent.map((s) => s.messageId), at],
  );
}

export async function recipientBounced(
  em: EntityManager,
  campaignId: string,
  contactId: string,
  messageId: string,
  at: Date,
): Promise<void> {
  await em.query(
    `UPDATE campaign_recipients SET status = 'FAILED', skip_reason = 'BOUNCED', touched_at = coalesce(touched_at, $3)
      WHERE campaign_id = $1 AND contact_id = $4 AND message_id = $2`,
    [campaignId, messageId, at, contactId],
  );
}

/** Not sent after all: the recipient is pending again, and a budgeted campaign gets its claim back. */
export async function recipientReleased(
  em: EntityManager,
  tenantId: string,
  campaignId: string,
  contactId: string,
  messageId: string,
): Promise<void> {
  await em.query(
    `UPDATE campaign_recipients SET status = 'PENDING', message_id = NULL WHERE campaign_id = $1 AND contact_id = $3 AND message_id = $2`,
    [campaignId, messageId, contactId],
  );
  // Only budgeted campaigns count their claims (see campaign-claim.ts).
  await em.query(`UPDATE campaigns SET messages_claimed = messages_claimed - 1 WHERE tenant_id = $1 AND id = $2 AND budget IS NOT NULL`, [
    tenantId,
    campaignId,
  ]);
}

export async function recipientFailed(em: EntityManager, campaignId: string, contactId: string, messageId: string): Promise<void> {
  await em.query(
    `UPDATE campaign_recipients SET status = 'FAILED', skip_reason = 'SEND_ERROR' WHERE campaign_id = $1 AND contact_id = $3 AND message_id = $2`,
    [campaignId, messageId, contactId],
  );
}

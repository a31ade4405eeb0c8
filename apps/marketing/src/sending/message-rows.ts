import type { EntityManager } from 'typeorm';
import type { Purpose, SendChannel } from '../vocabulary/messages';
import { INTERRUPTED_DETAIL } from './recipient-view';

/** A message about to be handed to its channel; what sent it (a campaign, a journey step, a confirmation) is optional. */
export interface NewMessage {
  id: string;
  tenantId: string;
  contactId: string;
  channel: SendChannel;
  purpose: Purpose;
  address: string;
  campaignId?: string | null;
  variantKey?: string | null;
  templateId?: string | null;
  journeyId?: string | null;
  enrollmentId?: string | null;
  stepKey?: string | null;
}

/**
 * The message row every send starts from (status SENDING), written by the
 * sender's claim in its transaction, before anything goes out: MessageLedger
 * moves it on from there. False when a message with this id exists already
 * (a retried job whose message was sent, or interrupted mid-send).
 */
export async function claimMessage(em: EntityManager, m: NewMessage): Promise<boolean> {
  const inserted: unknown[] = await em.query(
    `INSERT INTO messages (id, tenant_id, contact_id, channel, purpose, address, campaign_id, variant_key, template_id,
                           journey_id, enrollment_id, step_key, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'SENDING') ON CONFLICT (id) DO NOTHING RETURNING id`,
    [
      m.id,
      m.tenantId,
      m.contactId,
      m.channel,
      m.purpose,
      m.address,
      m.campaignId ?? null,
      m.variantKey ?? null,
      m.templateId ?? null,
      m.journeyId ?? null,
      m.enrollmentId ?? null,
      m.stepKey ?? null,
    ],
  );
  return inserted.length > 0;
}

/** claimMessage for many new messages at once (a campaign's claimed batch; their ids are fresh). */
export async function claimMessages(em: EntityManager, messages: readonly NewMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const column = <K extends keyof NewMessage>(k: K) => messages.map((m) => m[k] ?? null);
  await em.query(
    `INSERT INTO messages (id, tenant_id, contact_id, channel, purpose, address, campaign_id, variant_key, template_id,
                           journey_id, enrollment_id, step_key, status)
     SELECT m.*, 'SENDING' FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[],
                                       $9::uuid[], $10::uuid[], $11::uuid[], $12::text[]) AS m
     ON CONFLICT (id) DO NOTHING`,
    [
      column('id'),
      column('tenantId'),
      column('contactId'),
      column('channel'),
      column('purpose'),
      column('address'),
      column('campaignId'),
      column('variantKey'),
      column('templateId'),
      column('journeyId'),
      column('enrollmentId'),
      column('stepKey'),
    ],
  );
}

/**
 * Messages a dead worker was sending: unknown whether they went out, so
 * never sent again. Only a message still SENDING changes (a receipt may
 * have moved it on).
 */
export async function failInterrupted(em: EntityManager, messageIds: readonly string[]): Promise<void> {
  if (messageIds.length === 0) return;
  await em.query(`UPDATE messages SET status = 'FAILED', detail = $2 WHERE id = ANY($1::uuid[]) AND status = 'SENDING'`, [
    messageIds,
    INTERRUPTED_DETAIL,
  ]);
}

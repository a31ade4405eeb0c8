import type { EntityManager } from 'typeorm';
import type { TemplateView } from '../templates/template-rules';
import { eligibilitySql, type BlockReason } from './eligibility-sql';

/** The read-model columns a template can show, as selected by recipientColumns. */
export interface RecipientRow {
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  tier: string | null;
  rfm_segment_name: string | null;
  attributes: Record<string, unknown> | null;
}

export const RECIPIENT_COLUMNS = `c.first_name, c.last_name, c.email, c.phone, c.tier, c.rfm_segment_name, c.attributes`;

export function templateView(row: RecipientRow, extra: { campaignName?: string | null } = {}): TemplateView {
  return {
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    phone: row.phone,
    tier: row.tier,
    rfmSegment: row.rfm_segment_name,
    attributes: row.attributes ?? {},
    campaignName: extra.campaignName ?? null,
  };
}

/** What a message to one contact would show, where it would go, and what (if anything) forbids it now. */
export type RecipientCheck = (RecipientRow & { address: string | null; blocked: BlockReason | null }) | undefined;

/**
 * Checks one contact at send time with the same SQL the audience draw uses
 * (eligibility-sql.ts): consent, suppression, complaints, address. Undefined
 * when the read model has no such contact.
 */
export async function checkRecipient(
  em: EntityManager,
  tenantId: string,
  contactId: string,
  channel: string,
  purpose: string,
): Promise<RecipientCheck> {
  const eligibility = eligibilitySql('$3::text', '$4::text');
  const [row]: NonNullable<RecipientCheck>[] = await em.query(
    `SELECT ${RECIPIENT_COLUMNS}, ${eligibility.address} AS address, ${eligibility.blockedBy} AS blocked
       FROM contacts c ${eligibility.joins} WHERE c.tenant_id = $1 AND c.id = $2 AND c.deleted_at IS NULL`,
    [tenantId, contactId, channel, purpose],
  );
  return row;
}

/** Why a message found SENDING by a retry is not sent again. */
export const INTERRUPTED_DETAIL = 'interrupted while sending; not resent to avoid a duplicate';

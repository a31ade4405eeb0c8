import type { TemplateView } from '../templates/template-rules';

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

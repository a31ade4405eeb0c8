import { effectiveConsentSql, groupMembers } from '../consent/contact-groups';

/** Why a contact gets no message. */
export type BlockReason = 'MERGED' | 'UNKNOWN_CONTACT' | 'OPEN_COMPLAINT' | 'NO_ADDRESS' | 'NO_CONSENT' | 'SUPPRESSED';

/**
 * SQL pieces that decide, for contacts `c` of the read model, where a
 * message on channel `$ch` for purpose `$purpose` would go and what — if
 * anything — forbids it. The same expressions serve the set-based audience
 * draw at launch (a million rows in one statement) and the check of each
 * single message at send time, so the two can never disagree. `$1` is the
 * tenant; the caller names the channel and purpose parameters.
 *
 * - Marketing (and research) needs an opt-in; service messages go unless
 *   the contact opted out of them.
 * - A contact with an open complaint gets no marketing.
 * - Suppressed addresses (hard bounces, complaints, requests) get nothing.
 */
export function eligibilitySql(ch: string, purpose: string): { address: string; blockedBy: string; joins: string } {
  const address = `(CASE ${ch} WHEN 'EMAIL' THEN c.email WHEN 'SMS' THEN c.phone
      ELSE (SELECT d.token FROM push_devices d WHERE d.tenant_id = $1 AND d.contact_id IN ${groupMembers('c.id')}
             ORDER BY d.created_at DESC LIMIT 1) END)`;
  const joins = `LEFT JOIN LATERAL ${effectiveConsentSql('c.id', ch, purpose)} consent ON true
    LEFT JOIN LATERAL (SELECT ${address} AS value) addr ON true`;
  const blockedBy = `(CASE
      WHEN c.merged_into IS NOT NULL THEN 'MERGED'
      WHEN c.sales_updated_at IS NULL THEN 'UNKNOWN_CONTACT'
      WHEN ${purpose} = 'MARKETING' AND c.open_complaints > 0 THEN 'OPEN_COMPLAINT'
      WHEN addr.value IS NULL THEN 'NO_ADDRESS'
      WHEN ${purpose} <> 'SERVICE' AND consent.status IS DISTINCT FROM 'OPTED_IN' THEN 'NO_CONSENT'
      WHEN ${purpose} = 'SERVICE' AND consent.status = 'OPTED_OUT' THEN 'NO_CONSENT'
      WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.tenant_id = $1 AND s.channel = ${ch} AND s.address = addr.value) THEN 'SUPPRESSED'
      ELSE NULL END)`;
  return { address: 'addr.value', blockedBy, joins };
}

/**
 * SQL for "the contact and every record merged into it": consent given on a
 * duplicate still counts once the duplicates are merged, and comes apart
 * again on an unmerge (consents stay keyed by the record they were given for).
 * `$1` is the tenant; `ref` the survivor id expression.
 */
export function groupMembers(ref: string): string {
  return `(SELECT ${ref} UNION ALL SELECT m.id FROM contacts m WHERE m.tenant_id = $1 AND m.merged_into = ${ref})`;
}

/**
 * The effective decision for one channel and purpose of a survivor: the
 * latest one given for any record of the group. A LATERAL-joinable select
 * yielding (status, changed_at) or no row (never asked = no consent).
 */
export function effectiveConsentSql(ref: string, channelParam: string, purposeParam: string): string {
  return `(SELECT k.status, k.changed_at FROM consents k
            WHERE k.tenant_id = $1 AND k.channel = ${channelParam} AND k.purpose = ${purposeParam}
              AND k.contact_id IN ${groupMembers(ref)}
            ORDER BY k.changed_at DESC LIMIT 1)`;
}

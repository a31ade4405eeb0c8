/**
 * Roles from ARCHITECTURE.md ("Tenancy and security"), plus `auditor`: reads
 * the audit log and nothing else, so a compliance reviewer needs no admin.
 */
export const ROLES = [
  'admin',
  'sales_manager',
  'sales_rep',
  'support_manager',
  'support_agent',
  'marketer',
  'analyst',
  'partner',
  'customer',
  'auditor',
] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

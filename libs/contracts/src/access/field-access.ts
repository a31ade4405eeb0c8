import type { Role } from '../roles';

/**
 * The parts of a customer's record that access is granted on. Every field of
 * the 360° view belongs to exactly one group; docs/security/access-model.md
 * lists which fields, and is checked against this file by a test.
 */
export const FIELD_GROUPS = [
  'PROFILE',
  'CONTACT_DETAILS',
  'OPPORTUNITIES',
  'QUOTES',
  'CASES',
  'CASE_COMMENTS',
  'ORDERS',
  'RFM',
  'VALUE',
  'CONSENTS',
  'MARKETING_PROFILE',
  'AUDIT',
] as const;
export type FieldGroup = (typeof FIELD_GROUPS)[number];

/** Ordered: each level includes the ones before it. */
export const ACCESS_LEVELS = ['NONE', 'READ', 'WRITE'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

export function isFieldGroup(value: unknown): value is FieldGroup {
  return typeof value === 'string' && (FIELD_GROUPS as readonly string[]).includes(value);
}

export function isAccessLevel(value: unknown): value is AccessLevel {
  return typeof value === 'string' && (ACCESS_LEVELS as readonly string[]).includes(value);
}

export function accessRank(level: AccessLevel): number {
  return ACCESS_LEVELS.indexOf(level);
}

export function minAccess(a: AccessLevel, b: AccessLevel): AccessLevel {
  return accessRank(a) <= accessRank(b) ? a : b;
}

export function maxAccess(a: AccessLevel, b: AccessLevel): AccessLevel {
  return accessRank(a) >= accessRank(b) ? a : b;
}

/** What each group covers, for the written model and the schema's descriptions. */
export const FIELD_GROUP_DESCRIPTIONS: Record<FieldGroup, string> = {
  PROFILE: 'name, account, owner, tags, external ids, timeline',
  CONTACT_DETAILS: 'emails, phones, postal addresses',
  OPPORTUNITIES: 'deals of the contact or account',
  QUOTES: 'quotes and their lines',
  CASES: 'service cases of the contact or account',
  CASE_COMMENTS: 'comments on cases (customers: only public ones on their own cases)',
  ORDERS: 'orders recorded from other systems',
  RFM: 'recency, frequency and monetary scores and segment',
  VALUE: 'lifetime value, tier, churn risk, P(alive)',
  CONSENTS: 'consent per channel and purpose',
  MARKETING_PROFILE: "marketing's view: segments, touches, suppression, journeys",
  AUDIT: 'the audit log of changes',
};

/**
 * API keys carry scopes, not roles: a key reaches a group through
 * `<resource>:read` or `<resource>:write`, capped by the `partner` row.
 */
export const FIELD_GROUP_SCOPE: Record<FieldGroup, string> = {
  PROFILE: 'contacts',
  CONTACT_DETAILS: 'contacts',
  OPPORTUNITIES: 'opportunities',
  QUOTES: 'quotes',
  CASES: 'cases',
  CASE_COMMENTS: 'cases',
  ORDERS: 'orders',
  RFM: 'analytics',
  VALUE: 'analytics',
  CONSENTS: 'consents',
  MARKETING_PROFILE: 'consents',
  AUDIT: 'audit',
};

type Row = Record<FieldGroup, AccessLevel>;

const row = (levels: Partial<Row>): Row => Object.fromEntries(FIELD_GROUPS.map((g) => [g, levels[g] ?? 'NONE'])) as Row;

/**
 * The built-in access of each role: the most a tenant can grant. A tenant's
 * field-access settings only narrow it (an admin denies a role a group).
 * Customers see only their own record whatever the level says; partners are
 * further limited by their key's scopes.
 */
export const DEFAULT_FIELD_ACCESS: Record<Role, Row> = {
  admin: row({
    PROFILE: 'WRITE',
    CONTACT_DETAILS: 'WRITE',
    OPPORTUNITIES: 'WRITE',
    QUOTES: 'WRITE',
    CASES: 'WRITE',
    CASE_COMMENTS: 'WRITE',
    ORDERS: 'WRITE',
    RFM: 'WRITE',
    VALUE: 'WRITE',
    CONSENTS: 'WRITE',
    MARKETING_PROFILE: 'WRITE',
    AUDIT: 'READ',
  }),
  sales_manager: row({
    PROFILE: 'WRITE',
    CONTACT_DETAILS: 'WRITE',
    OPPORTUNITIES: 'WRITE',
    QUOTES: 'WRITE',
    CASES: 'READ',
    ORDERS: 'READ',
    RFM: 'READ',
    VALUE: 'READ',
    CONSENTS: 'WRITE',
    MARKETING_PROFILE: 'READ',
  }),
  sales_rep: row({
    PROFILE: 'WRITE',
    CONTACT_DETAILS: 'WRITE',
    OPPORTUNITIES: 'WRITE',
    QUOTES: 'WRITE',
    CASES: 'READ',
    ORDERS: 'READ',
    RFM: 'READ',
    VALUE: 'READ',
    CONSENTS: 'WRITE',
    MARKETING_PROFILE: 'READ',
  }),
  support_manager: row({
    PROFILE: 'READ',
    CONTACT_DETAILS: 'READ',
    OPPORTUNITIES: 'READ',
    CASES: 'WRITE',
    CASE_COMMENTS: 'WRITE',
    ORDERS: 'READ',
    RFM: 'READ',
    VALUE: 'READ',
    CONSENTS: 'WRITE',
    MARKETING_PROFILE: 'READ',
  }),
  support_agent: row({
    PROFILE: 'READ',
    CONTACT_DETAILS: 'READ',
    OPPORTUNITIES: 'READ',
    CASES: 'WRITE',
    CASE_COMMENTS: 'WRITE',
    ORDERS: 'READ',
    VALUE: 'READ',
    CONSENTS: 'WRITE',
    MARKETING_PROFILE: 'READ',
  }),
  marketer: row({
    PROFILE: 'READ',
    CONTACT_DETAILS: 'READ',
    CASES: 'READ',
    ORDERS: 'READ',
    RFM: 'READ',
    VALUE: 'READ',
    CONSENTS: 'WRITE',
    MARKETING_PROFILE: 'WRITE',
  }),
  analyst: row({
    PROFILE: 'READ',
    OPPORTUNITIES: 'READ',
    QUOTES: 'READ',
    CASES: 'READ',
    ORDERS: 'READ',
    RFM: 'WRITE',
    VALUE: 'WRITE',
    CONSENTS: 'READ',
    MARKETING_PROFILE: 'READ',
  }),
  partner: row({
    PROFILE: 'WRITE',
    CONTACT_DETAILS: 'WRITE',
    OPPORTUNITIES: 'WRITE',
    QUOTES: 'WRITE',
    CASES: 'WRITE',
    CASE_COMMENTS: 'WRITE',
    ORDERS: 'WRITE',
    RFM: 'READ',
    VALUE: 'READ',
    CONSENTS: 'WRITE',
    MARKETING_PROFILE: 'READ',
    // The audit log is for the tenant's admins and auditors, not for integrations.
  }),
  customer: row({
    PROFILE: 'READ',
    CONTACT_DETAILS: 'READ',
    CASES: 'WRITE',
    CASE_COMMENTS: 'WRITE',
    ORDERS: 'READ',
    CONSENTS: 'WRITE',
  }),
  // Reviews changes without seeing the customers themselves: the audit log masks contact details.
  auditor: row({
    AUDIT: 'READ',
  }),
};

/** One narrowing a tenant's admin made: `role` may do at most `access` on `fieldGroup`. */
export interface FieldAccessOverrideV1 {
  role: Role;
  fieldGroup: FieldGroup;
  access: AccessLevel;
}

/**
 * Where each group shows on the customer's 360° view (`Contact`): the field
 * and the group that governs it. The written model and the end-to-end test
 * of every role are generated from this and DEFAULT_FIELD_ACCESS.
 */
export const CONTACT_FIELD_GROUPS: Readonly<Record<string, FieldGroup>> = {
  firstName: 'PROFILE',
  lastName: 'PROFILE',
  account: 'PROFILE',
  owner: 'PROFILE',
  tags: 'PROFILE',
  externalIds: 'PROFILE',
  timeline: 'PROFILE',
  emails: 'CONTACT_DETAILS',
  phones: 'CONTACT_DETAILS',
  addresses: 'CONTACT_DETAILS',
  opportunities: 'OPPORTUNITIES',
  cases: 'CASES',
  orders: 'ORDERS',
  rfm: 'RFM',
  value: 'VALUE',
  consents: 'CONSENTS',
  consentHistory: 'CONSENTS',
  marketing: 'MARKETING_PROFILE',
};

/**
 * Parts of PROFILE that only staff see: internal labels and the sales
 * timeline. On their own record a customer gets them null with FORBIDDEN.
 */
export const STAFF_ONLY_CONTACT_FIELDS: readonly string[] = ['tags', 'timeline'];

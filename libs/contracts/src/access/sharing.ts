/**
 * Organisation-wide defaults for records that have an owner: who besides the
 * owner, the owner's managers and admins may see and change a record.
 */
export const SHARED_OBJECTS = ['CONTACT', 'ACCOUNT', 'LEAD', 'OPPORTUNITY', 'CASE'] as const;
export type SharedObject = (typeof SHARED_OBJECTS)[number];

export const SHARING_ACCESS = ['PUBLIC_READ_WRITE', 'PUBLIC_READ_ONLY', 'PRIVATE'] as const;
export type SharingAccess = (typeof SHARING_ACCESS)[number];

export function isSharedObject(value: unknown): value is SharedObject {
  return typeof value === 'string' && (SHARED_OBJECTS as readonly string[]).includes(value);
}

export function isSharingAccess(value: unknown): value is SharingAccess {
  return typeof value === 'string' && (SHARING_ACCESS as readonly string[]).includes(value);
}

/**
 * What a tenant starts with: the customer master and cases are shared by the
 * whole team; leads and opportunities are read by all and changed by their
 * owner (and managers).
 */
export const DEFAULT_SHARING: Record<SharedObject, SharingAccess> = {
  CONTACT: 'PUBLIC_READ_WRITE',
  ACCOUNT: 'PUBLIC_READ_WRITE',
  LEAD: 'PUBLIC_READ_ONLY',
  OPPORTUNITY: 'PUBLIC_READ_ONLY',
  CASE: 'PUBLIC_READ_WRITE',
};

export interface SharingRuleV1 {
  object: SharedObject;
  access: SharingAccess;
}

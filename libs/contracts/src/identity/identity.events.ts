import type { EventEnvelope } from '../envelope';

export const TENANT_CREATED = 'identity.tenant.created' as const;
export type TenantCreatedV1 = EventEnvelope<typeof TENANT_CREATED, { tenant: { id: string; slug: string; name: string } }>;

export const USER_CREATED = 'identity.user.created' as const;
export type UserCreatedV1 = EventEnvelope<
  typeof USER_CREATED,
  { user: { id: string; email: string; displayName: string; roles: string[] } }
>;

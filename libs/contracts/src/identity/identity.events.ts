import type { EventEnvelope } from '../envelope';

/** A tenant as identity publishes it. `disabled` is additive to V1 (absent in events from before tenants could be disabled). */
export interface TenantSnapshotV1 {
  id: string;
  slug: string;
  name: string;
  disabled?: boolean;
}

/**
 * A new tenant exists (its first admin follows as identity.user.created).
 * Every service prepares what the tenant needs from it (default pipeline,
 * settings …), idempotently, before the tenant's first request.
 */
export const TENANT_CREATED = 'identity.tenant.created' as const;
export type TenantCreatedV1 = EventEnvelope<typeof TENANT_CREATED, { tenant: TenantSnapshotV1 }>;

/**
 * An operator disabled the tenant: its users cannot sign in, its API keys
 * cannot be exchanged, and verifiers refuse every access token of the tenant
 * until identity.tenant.enabled. Its data stays.
 */
export const TENANT_DISABLED = 'identity.tenant.disabled' as const;
export type TenantDisabledV1 = EventEnvelope<typeof TENANT_DISABLED, { tenant: TenantSnapshotV1 }>;

/** An operator enabled a disabled tenant again: its users and API keys work as before. */
export const TENANT_ENABLED = 'identity.tenant.enabled' as const;
export type TenantEnabledV1 = EventEnvelope<typeof TENANT_ENABLED, { tenant: TenantSnapshotV1 }>;

/**
 * A user as identity publishes it. `active` is additive to V1: events written
 * before it existed lack it, and a user then counts as active (users could not
 * be deactivated before identity.user.deactivated existed).
 */
export interface UserSnapshotV1 {
  id: string;
  email: string;
  displayName: string;
  roles: string[];
  active?: boolean;
  /**
   * Additive to V1: the user's token version. Identity raises it when the
   * roles change or the user is deactivated, and access tokens carry the
   * version they were issued with (claim `ver`), so verifiers refuse tokens
   * below it. Events from before it existed lack it and revoke nothing.
   */
  tokenVersion?: number;
  /**
   * Additive to V1: the user's manager (a user of the same tenant), who sees
   * and changes what this user owns under the tenant's sharing rules. Absent
   * in events from before it existed, and null for users without one.
   */
  managerId?: string | null;
  /** A customer's contact: their login's email and name travel sealed under that contact's key (ADR 034). Absent for staff. */
  contactId?: string | null;
}

export const USER_CREATED = 'identity.user.created' as const;
export type UserCreatedV1 = EventEnvelope<typeof USER_CREATED, { user: UserSnapshotV1 }>;

/** Display name, roles or (on reactivation) `active` changed; `user` is the whole user after the change. */
export const USER_UPDATED = 'identity.user.updated' as const;
export type UserUpdatedV1 = EventEnvelope<typeof USER_UPDATED, { user: UserSnapshotV1; changed: string[] }>;

/** The user can no longer sign in; services stop assigning work to them. `user.active` is false. */
export const USER_DEACTIVATED = 'identity.user.deactivated' as const;
export type UserDeactivatedV1 = EventEnvelope<typeof USER_DEACTIVATED, { user: UserSnapshotV1 }>;

/** A partner API key was created with these scopes (never its secret; subject = key id). */
export const API_KEY_CREATED = 'identity.api_key.created' as const;
export type ApiKeyCreatedV1 = EventEnvelope<typeof API_KEY_CREATED, { apiKey: { id: string; name: string; scopes: string[] } }>;

/**
 * A partner API key was revoked: it cannot be exchanged any more, and
 * verifiers refuse every access token already exchanged for it (subject = key id).
 */
export const API_KEY_REVOKED = 'identity.api_key.revoked' as const;
export type ApiKeyRevokedV1 = EventEnvelope<typeof API_KEY_REVOKED, { apiKey: { id: string; name: string; revokedAt: string } }>;

/**
 * An invitation to become a user of the tenant, as identity publishes it:
 * who is invited with which roles (and, for a self-service customer, the
 * contact they are), until when. Never the link or its token.
 */
export interface InvitationSnapshotV1 {
  id: string;
  email: string;
  roles: string[];
  contactId: string | null;
  managerId: string | null;
  expiresAt: string;
}

/**
 * Someone was invited by email to become a user (subject = the invitation).
 * A re-invitation to the same email replaces the earlier one. Accepting it
 * creates the user: identity.user.created follows then, not now.
 */
export const USER_INVITED = 'identity.user.invited' as const;
export type UserInvitedV1 = EventEnvelope<typeof USER_INVITED, { invitation: InvitationSnapshotV1 }>;

/**
 * The user set a new password through an emailed reset link. Their sessions
 * end: every refresh token is revoked, and `user.tokenVersion` is raised so
 * verifiers refuse the access tokens issued before (as for identity.user.updated).
 */
export const USER_PASSWORD_RESET = 'identity.user.password_reset' as const;
export type UserPasswordResetV1 = EventEnvelope<typeof USER_PASSWORD_RESET, { user: UserSnapshotV1 }>;

/** An open invitation was revoked (subject = the invitation): its link no longer works. */
export const USER_INVITATION_REVOKED = 'identity.user.invitation_revoked' as const;
export type UserInvitationRevokedV1 = EventEnvelope<typeof USER_INVITATION_REVOKED, { invitation: InvitationSnapshotV1 }>;

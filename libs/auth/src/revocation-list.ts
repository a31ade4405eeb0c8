import {
  API_KEY_REVOKED,
  TENANT_DISABLED,
  TENANT_ENABLED,
  USER_DEACTIVATED,
  USER_PASSWORD_RESET,
  USER_UPDATED,
  type ApiKeyRevokedV1,
  type EventEnvelope,
  type TenantDisabledV1,
  type TenantEnabledV1,
  type UserDeactivatedV1,
  type UserPasswordResetV1,
  type UserUpdatedV1,
} from '@rapport/contracts';

/**
 * The longest access-token lifetime identity accepts (ACCESS_TOKEN_TTL_SECONDS).
 * A revocation older than this can no longer match a valid token, so it is how
 * far back a verifier replays identity's changes and how long it keeps them.
 */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 86_400;

/** What an identity event revokes: tokens of `subject` with a version below `minVersion`. */
export interface Revocation {
  subject: string;
  minVersion: number;
  at: Date;
}

interface Rule {
  minVersion: number;
  /** Epoch ms after which every token the rule could refuse has expired. */
  keepUntil: number;
}

const PRUNE_EVERY_MS = 60_000;

/**
 * Which access tokens are no longer honoured although their signature is
 * valid and they have not expired. Users' tokens carry a version (claim
 * `ver`) that identity raises when it changes their roles or deactivates
 * them; a token below the latest version is refused. A version, not an issue
 * time, because it is read in the same row as the roles: a token signed in
 * the same second as the change (or by a login racing it) carries the old
 * version exactly when it carries the old roles, and a login right after
 * the change works at once. A revoked API key refuses all its tokens, and a
 * disabled tenant every token of the tenant until it is enabled again.
 * Pure and in memory; RevocationFeed fills it from identity's stream.
 */
export class RevocationList {
  private readonly rules = new Map<string, Rule>();
  /** Disabled tenants → epoch ms after which no token issued before the disabling is valid (none is issued while disabled). */
  private readonly disabledTenants = new Map<string, number>();
  private lastPrune = 0;

  constructor(private readonly keepMs = MAX_ACCESS_TOKEN_TTL_SECONDS * 1000) {}

  /** From now on, tokens of `subject` below `minVersion` are refused. A lower version than known changes nothing. */
  raise({ subject, minVersion, at }: Revocation, now = Date.now()): void {
    const keepUntil = at.getTime() + this.keepMs;
    const rule = this.rules.get(subject);
    if (rule) {
      rule.minVersion = Math.max(rule.minVersion, minVersion);
      rule.keepUntil = Math.max(rule.keepUntil, keepUntil);
    } else if (minVersion > 0 && keepUntil > now) {
      this.rules.set(subject, { minVersion, keepUntil });
    }
    this.prune(now);
  }

  /**
   * Tokens without a version (API keys, tokens from before versions existed)
   * count as version 0; every token of a disabled tenant is refused.
   */
  refuses(subject: string, tokenVersion: number, tenantId?: string): boolean {
    if (tenantId !== undefined && this.disabledTenants.has(tenantId)) return true;
    const rule = this.rules.get(subject);
    return rule !== undefined && tokenVersion < rule.minVersion;
  }

  /** From now on every token of the tenant is refused (identity issues none while it is disabled). */
  disableTenant(tenantId: string, at: Date, now = Date.now()): void {
    const keepUntil = at.getTime() + this.keepMs;
    if (keepUntil > now) this.disabledTenants.set(tenantId, keepUntil);
    this.prune(now);
  }

  /** The tenant's tokens are honoured again (those not otherwise revoked). */
  enableTenant(tenantId: string): void {
    this.disabledTenants.delete(tenantId);
  }

  /**
   * Applies an identity event; returns whether it changed what is refused.
   * Events arrive in stream order, so a tenant's last disable or enable wins.
   */
  apply(event: EventEnvelope, now = Date.now()): boolean {
    if (event.type === TENANT_DISABLED) {
      this.disableTenant((event as TenantDisabledV1).data.tenant.id, new Date(event.occurredAt), now);
      return true;
    }
    if (event.type === TENANT_ENABLED) {
      this.enableTenant((event as TenantEnabledV1).data.tenant.id);
      return true;
    }
    const revocation = revocationOf(event);
    if (revocation) this.raise(revocation, now);
    return revocation !== null;
  }

  get size(): number {
    return this.rules.size + this.disabledTenants.size;
  }

  /** Forgets rules no valid token can match any more (at most once a minute: replays apply thousands). */
  private prune(now: number): void {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    for (const [subject, rule] of this.rules) if (rule.keepUntil <= now) this.rules.delete(subject);
    for (const [tenantId, keepUntil] of this.disabledTenants) if (keepUntil <= now) this.disabledTenants.delete(tenantId);
  }
}

/** Reads an identity event as a revocation; null for events that revoke nothing. */
export function revocationOf(event: EventEnvelope): Revocation | null {
  const at = new Date(event.occurredAt);
  switch (event.type) {
    case API_KEY_REVOKED:
      return { subject: (event as ApiKeyRevokedV1).data.apiKey.id, minVersion: Number.POSITIVE_INFINITY, at };
    // A password reset too: it ends the sessions of whoever knew the old password.
    case USER_UPDATED:
    case USER_DEACTIVATED:
    case USER_PASSWORD_RESET: {
      const { user } = (event as UserUpdatedV1 | UserDeactivatedV1 | UserPasswordResetV1).data;
      // Events from an identity that predates token versions revoke nothing: its tokens carry none.
      return typeof user?.tokenVersion === 'number' ? { subject: user.id, minVersion: user.tokenVersion, at } : null;
    }
    default:
      return null;
  }
}

import {
  API_KEY_REVOKED,
  SYSTEM_ACTOR,
  TENANT_CREATED,
  TENANT_DISABLED,
  TENANT_ENABLED,
  USER_CREATED,
  USER_DEACTIVATED,
  USER_PASSWORD_RESET,
  USER_UPDATED,
  type EventEnvelope,
  type UserSnapshotV1,
} from '@rapport/contracts';
import { RevocationList, revocationOf } from './revocation-list';

const DAY = 86_400_000;
const T0 = Date.parse('2026-12-06T10:00:00.000Z');

function event(type: string, data: unknown, occurredAt = new Date(T0)): EventEnvelope {
  return { id: 'e', type, version: 1, tenantId: 't', occurredAt: occurredAt.toISOString(), actor: SYSTEM_ACTOR, subjectId: 's', data };
}

function user(tokenVersion?: number): UserSnapshotV1 {
  return { id: 'user-1', email: 'u@x.test', displayName: 'U', roles: ['sales_rep'], active: true, tokenVersion };
}

describe('RevocationList', () => {
  it('refuses tokens below the raised version and honours the current one', () => {
    const list = new RevocationList();
    expect(list.refuses('user-1', 0)).toBe(false);
    list.raise({ subject: 'user-1', minVersion: 2, at: new Date(T0) }, T0);
    expect(list.refuses('user-1', 0)).toBe(true);
    expect(list.refuses('user-1', 1)).toBe(true);
    expect(list.refuses('user-1', 2)).toBe(false);
    expect(list.refuses('user-1', 3)).toBe(false);
    expect(list.refuses('user-2', 0)).toBe(false);
  });

  it('never lowers a version: a late or replayed older change revokes nothing more and restores nothing', () => {
    const list = new RevocationList();
    list.raise({ subject: 'user-1', minVersion: 3, at: new Date(T0) }, T0);
    list.raise({ subject: 'user-1', minVersion: 1, at: new Date(T0 - 1000) }, T0);
    expect(list.refuses('user-1', 2)).toBe(true);
    expect(list.refuses('user-1', 3)).toBe(false);
  });

  it('forgets a rule once every token it could refuse has expired, and ignores rules already that old', () => {
    const list = new RevocationList(DAY);
    list.raise({ subject: 'user-1', minVersion: 1, at: new Date(T0) }, T0);
    list.raise({ subject: 'stale', minVersion: 1, at: new Date(T0 - DAY - 1) }, T0);
    expect(list.size).toBe(1);
    list.raise({ subject: 'user-2', minVersion: 1, at: new Date(T0 + DAY) }, T0 + DAY);
    expect(list.refuses('user-1', 0)).toBe(false);
    expect(list.refuses('user-2', 0)).toBe(true);
    expect(list.size).toBe(1);
  });

  it('keeps no rule for version 0 (a user whose roles never changed)', () => {
    const list = new RevocationList();
    list.apply(event(USER_UPDATED, { user: user(0), changed: ['displayName'] }), T0);
    expect(list.size).toBe(0);
  });
});

describe('revocationOf (identity events)', () => {
  it('a revoked API key refuses every token of the key', () => {
    const r = revocationOf(event(API_KEY_REVOKED, { apiKey: { id: 'key-1', name: 'k', revokedAt: new Date(T0).toISOString() } }));
    expect(r).toEqual({ subject: 'key-1', minVersion: Number.POSITIVE_INFINITY, at: new Date(T0) });
    const list = new RevocationList();
    list.raise(r!, T0);
    expect(list.refuses('key-1', 0)).toBe(true);
  });

  it("a role change, a deactivation or a password reset raises the user's version to the event's", () => {
    expect(revocationOf(event(USER_UPDATED, { user: user(4), changed: ['roles'] }))).toEqual({
      subject: 'user-1',
      minVersion: 4,
      at: new Date(T0),
    });
    expect(revocationOf(event(USER_DEACTIVATED, { user: { ...user(5), active: false } }))?.minVersion).toBe(5);
    expect(revocationOf(event(USER_PASSWORD_RESET, { user: user(6) }))?.minVersion).toBe(6);
  });

  it('revokes nothing for events without a token version (older identity) or of other types', () => {
    expect(revocationOf(event(USER_UPDATED, { user: user(undefined), changed: ['roles'] }))).toBeNull();
    expect(revocationOf(event(USER_DEACTIVATED, { user: user(undefined) }))).toBeNull();
    expect(revocationOf(event(USER_CREATED, { user: user(3) }))).toBeNull();
    expect(revocationOf(event(TENANT_CREATED, { tenant: { id: 't', slug: 't', name: 'T' } }))).toBeNull();
  });
});

describe('disabled tenants', () => {
  const tenant = { id: 'tenant-1', slug: 'acme', name: 'Acme' };

  it("refuses every token of a disabled tenant, whatever its subject or version, and only that tenant's", () => {
    const list = new RevocationList();
    expect(list.apply(event(TENANT_DISABLED, { tenant: { ...tenant, disabled: true } }), T0)).toBe(true);
    expect(list.refuses('user-1', 7, 'tenant-1')).toBe(true);
    expect(list.refuses('key-1', 0, 'tenant-1')).toBe(true);
    expect(list.refuses('user-1', 7, 'tenant-2')).toBe(false);
  });

  it('honours the tokens again once the tenant is enabled (the last of the two in stream order wins)', () => {
    const list = new RevocationList();
    list.apply(event(TENANT_DISABLED, { tenant }), T0);
    list.apply(event(TENANT_ENABLED, { tenant }), T0);
    expect(list.refuses('user-1', 0, 'tenant-1')).toBe(false);
    list.apply(event(TENANT_DISABLED, { tenant }), T0);
    expect(list.refuses('user-1', 0, 'tenant-1')).toBe(true);
  });

  it('an enabled tenant still refuses what was revoked for its users', () => {
    const list = new RevocationList();
    list.raise({ subject: 'user-1', minVersion: 2, at: new Date(T0) }, T0);
    list.apply(event(TENANT_DISABLED, { tenant }), T0);
    list.apply(event(TENANT_ENABLED, { tenant }), T0);
    expect(list.refuses('user-1', 1, 'tenant-1')).toBe(true);
    expect(list.refuses('user-1', 2, 'tenant-1')).toBe(false);
  });

  it('forgets a disabling once every token issued before it has expired (none is issued while disabled)', () => {
    const list = new RevocationList(DAY);
    list.apply(event(TENANT_DISABLED, { tenant }), T0);
    list.apply(event(TENANT_DISABLED, { tenant: { ...tenant, id: 'old' } }, new Date(T0 - DAY - 1)), T0);
    expect(list.size).toBe(1);
    list.raise({ subject: 'user-2', minVersion: 1, at: new Date(T0 + DAY) }, T0 + DAY);
    expect(list.refuses('user-1', 0, 'tenant-1')).toBe(false);
  });
});

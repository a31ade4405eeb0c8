import { Injectable } from '@nestjs/common';
import { badUserInput, unauthenticated } from '@rapport/auth';
import { returnedRows } from '@rapport/persistence';
import { AuditRecorder, currentAuditScope, describeAudit, ServiceDatabase, validate } from '@rapport/service-kit';
import { DataSource } from 'typeorm';
import { TenantEntity } from '../tenants/tenant.entity';
import { UserEntity } from '../users/user.entity';
import { DUMMY_HASH, verifyPassword } from '../users/password';
import { LoginThrottle } from './login-throttle';
import { revokeRefreshTokensOf } from './refresh-tokens';
import { hashRefreshToken, TokenIssuer, type TokenPair } from './token-issuer';

const BAD_CREDENTIALS = 'invalid tenant, email or password';
export const TENANT_DISABLED_MESSAGE = 'this tenant is disabled; ask the operator of this Rapport installation';

/** Carries what is known of a refused sign-in, for its audit entry (never for the caller). */
class BadCredentials extends Error {
  constructor(
    readonly tenantId: string | null = null,
    readonly userId: string | null = null,
  ) {
    super(BAD_CREDENTIALS);
  }
}

@Injectable()
export class AuthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly db: ServiceDatabase,
    private readonly tokens: TokenIssuer,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditRecorder,
  ) {}

  /**
   * One answer for every failure, and a hash check even for unknown users, so logins cannot probe accounts.
   * Failures count against the account and the caller's address (LoginThrottle); past their limits the
   * attempt is refused with RATE_LIMITED before any password is checked.
   */
  async login(input: { tenant: string; email: string; password: string }, ip: string): Promise<TokenPair> {
    if (input.password.length > 1024) throw badUserInput('password', 'must be at most 1024 characters');
    // Checked as text before any lookup: PostgreSQL refuses a NUL byte in a parameter, which would be a 500, not the caller's error.
    validate.requiredText('input.tenant', input.tenant, 63);
    validate.requiredText('input.email', input.email, 320);
    const attempt = { tenant: input.tenant, email: input.email, ip };
    await this.throttle.check(attempt);
    try {
      const pair = await this.signIn(input);
      await this.throttle.succeeded(attempt);
      return pair;
    } catch (err) {
      if (!(err instanceof BadCredentials)) throw err;
      await this.throttle.failed(attempt);
      await this.recordFailure(err);
      throw unauthenticated(BAD_CREDENTIALS);
    }
  }

  private async signIn(input: { tenant: string; email: string; password: string }): Promise<TokenPair> {
    const tenant = await this.dataSource.getRepository(TenantEntity).findOneBy({ slug: input.tenant.trim().toLowerCase() });
    if (!tenant) {
      await verifyPassword(input.password, DUMMY_HASH);
      throw new BadCredentials();
    }
    return this.db.withTenant(tenant.id, async (em) => {
      const user = await em
        .getRepository(UserEntity)
        .createQueryBuilder('u')
        .addSelect('u.passwordHash')
        .where('u.email = :email', { email: input.email.trim().toLowerCase() })
        .getOne();
      const ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok || user.disabled) throw new BadCredentials(tenant.id, user?.id ?? null);
      // Only after the password matched: the tenant's own users may learn why, nobody else.
      if (tenant.disabledAt) throw unauthenticated(TENANT_DISABLED_MESSAGE);
      const pair = await this.tokens.forUser(em, user);
      // Sign-in is public: the mutation's entry learns its tenant and actor here, in the session's transaction.
      await this.audit.record(em, {
        tenantId: tenant.id,
        actor: { kind: user.roles.includes('customer') ? 'customer' : 'user', id: user.id },
        objectType: 'User',
        objectId: user.id,
      });
      return pair;
    });
  }

  /**
   * A refused sign-in changes nothing but is worth keeping (guessing shows as
   * a run of them). With no such tenant there is no log to keep it in.
   */
  private async recordFailure(err: BadCredentials): Promise<void> {
    if (!err.tenantId) return;
    await this.audit.recordNow({
      tenantId: err.tenantId,
      action: 'login.failed',
      actor: err.userId ? { kind: 'user', id: err.userId } : undefined,
      objectType: 'User',
      objectId: err.userId,
      requestId: currentAuditScope()?.requestId ?? null,
      details: { reason: err.userId ? 'wrong password or deactivated user' : 'no such user' },
    });
  }

  /**
   * Rotation: each refresh token works once. Presenting a used one again
   * means it leaked, so every refresh token of that user is revoked.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const hash = hashRefreshToken(refreshToken);
    const [row] = await this.dataSource.query(
      `SELECT r.id, r.tenant_id, r.user_id, r.expires_at, r.revoked_at, t.disabled_at AS tenant_disabled_at
         FROM refresh_tokens r JOIN tenants t ON t.id = r.tenant_id WHERE r.token_hash = $1`,
      [hash],
    );
    if (!row || new Date(row.expires_at) < new Date()) throw unauthenticated('refresh token is invalid or expired');
    if (row.tenant_disabled_at) throw unauthenticated(TENANT_DISABLED_MESSAGE);
    return this.db
      .withTenant(row.tenant_id, async (em) => {
        const revoked = await em.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [
          row.id,
        ]);
        const who = {
          tenantId: row.tenant_id as string,
          actor: { kind: 'user' as const, id: row.user_id as string },
          objectType: 'User',
          objectId: row.user_id as string,
        };
        if (returnedRows(revoked).length === 0) {
          await revokeRefreshTokensOf(em, row.user_id);
          // The answer is an error, but every session ended: that is kept, in this transaction.
          await this.audit.record(em, { ...who, action: 'refreshToken.reused', details: { signedOut: 'every session of the user' } });
          return null;
        }
        const user = await em.getRepository(UserEntity).findOneBy({ id: row.user_id });
        if (!user || user.disabled) throw unauthenticated('refresh token is invalid or expired');
        const pair = await this.tokens.forUser(em, user);
        await this.audit.record(em, who);
        return pair;
      })
      .then((pair) => {
        if (!pair) throw unauthenticated('refresh token was already used; all sessions of this user were signed out');
        return pair;
      });
  }

  async logout(refreshToken: string): Promise<boolean> {
    const result = await this.dataSource.query(
      `UPDATE refresh_tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL RETURNING id, tenant_id, user_id`,
      [hashRefreshToken(refreshToken)],
    );
    const [ended] = returnedRows<{ tenant_id: string; user_id: string }>(result);
    // Signing out is public (the refresh token is the credential): the entry learns who from the session.
    if (ended)
      describeAudit({ tenantId: ended.tenant_id, actor: { kind: 'user', id: ended.user_id }, objectType: 'User', objectId: ended.user_id });
    return ended !== undefined;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { forbidden } from '@rapport/auth';
import { USER_PASSWORD_RESET } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { returnedRows } from '@rapport/persistence';
import { AuditRecorder, currentAuditScope, SERVICE_CONFIG, ServiceDatabase, validate } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import { TENANT_DISABLED_MESSAGE } from '../auth/auth.service';
import { LoginThrottle } from '../auth/login-throttle';
import { revokeRefreshTokensOf } from '../auth/refresh-tokens';
import { hashOneTimeToken, invalidLink, looksLikeOneTimeToken, newOneTimeToken } from '../auth/one-time-token';
import type { IdentityConfig } from '../identity.env';
import type { SignInHint } from '../invitations/invitations.service';
import { AccountEmails } from '../mail/account-email-queue';
import { IdentityMailer } from '../mail/identity-mailer';
import { PasswordResetThrottle } from './password-reset-throttle';
import { TenantEntity } from '../tenants/tenant.entity';
import { hashPassword } from '../users/password';
import { validatePassword } from '../users/password-policy';
import { UserEntity } from '../users/user.entity';
import { replacePassword } from '../users/user-password';
import { userSnapshot } from '../users/users.service';

/**
 * Forgotten passwords: a request emails a one-time link to the user, if
 * there is one; the link's holder sets a new password, which ends every
 * session of the user (refresh tokens revoked, token version raised and
 * published as identity.user.password_reset, so verifiers refuse the access
 * tokens already issued within seconds — ADR 013).
 */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly db: ServiceDatabase,
    private readonly throttle: PasswordResetThrottle,
    private readonly loginThrottle: LoginThrottle,
    private readonly mailer: IdentityMailer,
    private readonly emails: AccountEmails,
    private readonly audit: AuditRecorder,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  /**
   * Answers the same, in the same time, for every address: only checks of
   * the input's shape and the rate limit (which counts unknown addresses
   * too) come before the answer; looking the user up, storing the token and
   * sending the mail happen after it, in the background.
   */
  async request(input: { tenant: string; email: string }, ip: string): Promise<{ accepted: boolean }> {
    const tenant = validate.requiredText('input.tenant', input.tenant, 63).toLowerCase();
    const email = validate.email('input.email', input.email);
    await this.throttle.hit({ tenant, email, ip });
    this.mailer.runInBackground({ kind: 'password-reset' }, () => this.issue(tenant, email));
    return { accepted: true };
  }

  /** The background half of a request: a link for an active user of an enabled tenant, and nothing for anyone else. */
  private async issue(slug: string, email: string): Promise<void> {
    const tenant = await this.dataSource.getRepository(TenantEntity).findOneBy({ slug });
    if (!tenant || tenant.disabledAt) return;
    if (!this.mailer.configured) {
      this.mailer.warnNotConfigured({ kind: 'password-reset' });
      await this.recordRequest(tenant.id, null);
      return;
    }
    const { token, hash } = newOneTimeToken();
    const expiresAt = new Date(Date.now() + this.config.PASSWORD_RESET_TTL_SECONDS * 1000);
    const issued = await this.db.withTenant(tenant.id, async (em) => {
      const [user]: { id: string }[] = await em.query(`SELECT id FROM users WHERE email = $1 AND NOT disabled`, [email]);
      if (!user) return null;
      // Only the newest link works: asking again makes an earlier one useless.
      await em.query(`DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL`, [user.id]);
      const resetId = uuidv7();
      await em.query(`INSERT INTO password_resets (id, tenant_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
        resetId,
        tenant.id,
        user.id,
        hash,
        expiresAt,
      ]);
      // Staged with the link, sent by a job after the commit (ADR 054).
      await this.emails.stage(em, { id: resetId, tenantId: tenant.id, kind: 'password-reset', token });
      return { userId: user.id, resetId };
    });
    if (issued) await this.emails.enqueue(tenant.id, issued.resetId);
    await this.recordRequest(tenant.id, issued?.userId ?? null);
  }

  /**
   * The request's audit entry, written here in the background half: only
   * now is the tenant known, and the answer must not wait for it. Auditors
   * may see whether a link went out; the caller never does.
   */
  private recordRequest(tenantId: string, userId: string | null): Promise<void> {
    return this.audit.recordNow({
      tenantId,
      action: 'requestPasswordReset',
      objectType: 'User',
      objectId: userId,
      requestId: currentAuditScope()?.requestId ?? null,
      details: { linkSent: userId !== null && this.mailer.configured },
    });
  }

  /**
   * Consumes the link (one conditional UPDATE: of two concurrent uses one
   * wins) and sets the password in the same transaction, so a password the
   * policy refuses leaves the link usable.
   */
  async reset(input: { token: string; password: string }): Promise<SignInHint> {
    if (!looksLikeOneTimeToken(input.token)) throw invalidLink();
    const [found]: { id: string; tenant_id: string; slug: string; name: string; disabled_at: Date | null }[] = await this.dataSource.query(
      `SELECT r.id, r.tenant_id, t.slug, t.name, t.disabled_at FROM password_resets r JOIN tenants t ON t.id = r.tenant_id WHERE r.token_hash = $1`,
      [hashOneTimeToken(input.token)],
    );
    if (!found) throw invalidLink();
    if (found.disabled_at) throw forbidden(TENANT_DISABLED_MESSAGE);
    const email = await this.db.withTenant(found.tenant_id, async (em) => {
      const [consumed] = returnedRows<{ user_id: string }>(
        await em.query(
          `UPDATE password_resets SET used_at = now() WHERE id = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
          [found.id],
        ),
      );
      if (!consumed) throw invalidLink();
      const user = await em.getRepository(UserEntity).findOne({ where: { id: consumed.user_id }, lock: { mode: 'pessimistic_write' } });
      if (!user || user.disabled) throw invalidLink();
      const password = validatePassword('input.password', input.password, { email: user.email });
      await replacePassword(em, user, await hashPassword(password));
      await revokeRefreshTokensOf(em, user.id);
      await this.db.publish(
        em,
        newEvent({
          type: USER_PASSWORD_RESET,
          tenantId: found.tenant_id,
          actor: { kind: user.roles.includes('customer') ? 'customer' : 'user', id: user.id },
          subjectId: user.id,
          data: { user: userSnapshot(user) },
        }),
      );
      // Resetting is public: the mutation's entry learns its tenant and actor here.
      await this.audit.record(em, {
        tenantId: found.tenant_id,
        actor: { kind: user.roles.includes('customer') ? 'customer' : 'user', id: user.id },
        objectType: 'User',
        objectId: user.id,
      });
      return user.email;
    });
    // Whoever holds the emailed link owns the address: a lockout from someone else's guessing ends with it.
    await this.loginThrottle.succeeded({ tenant: found.slug, email, ip: '' });
    return { tenant: { id: found.tenant_id, slug: found.slug, name: found.name }, email };
  }
}

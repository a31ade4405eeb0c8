import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { isRetryable } from '@rapport/channels';
import type { Logger, ServiceMetrics } from '@rapport/observability';
import { AuditRecorder, JobQueues, LOGGER, METRICS, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { Counter } from 'prom-client';
import type { EntityManager } from 'typeorm';
import type { IdentityConfig } from '../identity.env';
import { openSecret, sealSecret, webhookKeyring, type WebhookKeyring } from '../webhooks/webhook-secret-keys';
import { accountEmailContent, type AccountEmailKind, type LinkRow } from './account-email-content';
import { IdentityMailer } from './identity-mailer';

type Config = IdentityConfig & { dbSchema: string; NODE_ENV: string };

export interface AccountEmailJob {
  tenantId: string;
  emailId: string;
}

/** How an account email ended; PENDING and SENDING are the states before. */
export type AccountEmailOutcome = 'SENT' | 'BOUNCED' | 'SKIPPED' | 'FAILED' | 'INTERRUPTED';

/** Per database schema, so test instances on their own schemas never take each other's jobs. */
export function accountEmailQueueName(dbSchema: string): string {
  return `${dbSchema}-account-emails`;
}

/** The same job id however often the row is queued (after commit, by the start-up sweep): one job per link. */
export function accountEmailJobId(emailId: string): string {
  return `account-email-${emailId}`;
}

/** The wait before retry `attemptsMade` (1, 2, …): doubling from the base, capped. */
export function accountEmailRetryDelayMs(base: number, max: number, attemptsMade: number): number {
  return Math.min(max, base * 2 ** Math.max(0, attemptsMade - 1));
}

/** The additional data of a sealed token: a value copied into another row does not open there. */
const sealedFor = (emailId: string) => `account-email:${emailId}`;
const SWEEP_PAGE = 500;

/** The SMTP server is down or said "later": retried as planned, not an error of the platform. */
class SendDeferred extends Error {}

/**
 * Invitation and password-reset emails as durable work (ADR 054). The
 * service that stores a link also stages its email (`stage`, same
 * transaction: one `account_emails` row whose id is the link's, the token
 * sealed) and queues it after the commit (`enqueue`); the start-up sweep
 * queues whatever a crash or an unreachable Redis left unqueued. A job
 * claims the row (PENDING → SENDING, committed) before it talks to the SMTP
 * server, outside any transaction, and settles it after:
 * - a transient failure (server down, 4xx) puts it back to PENDING and the
 *   job is retried with a doubling delay, until ACCOUNT_EMAIL_ATTEMPTS;
 * - a row found SENDING by a job means an earlier run died mid-send: it may
 *   have gone out, so it is not sent again (never two emails for one link)
 *   and is recorded INTERRUPTED;
 * - a link no longer usable (accepted, revoked, replaced, expired) is not
 *   mailed (SKIPPED).
 * Every settled row drops its sealed token. Failures (FAILED, INTERRUPTED,
 * BOUNCED) are logged, counted (`account_emails_total`) and audited with
 * the system actor.
 */
@Injectable()
export class AccountEmails implements OnModuleInit, OnApplicationBootstrap {
  private queue!: Queue<AccountEmailJob>;
  private readonly keyring: WebhookKeyring;
  private readonly outcomes: Counter<'kind' | 'outcome'>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: Config,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: ServiceMetrics,
    private readonly db: ServiceDatabase,
    private readonly jobs: JobQueues,
    private readonly mailer: IdentityMailer,
    private readonly audit: AuditRecorder,
  ) {
    this.keyring = webhookKeyring(config);
    this.outcomes = new Counter({
      name: 'account_emails_total',
      help: 'invitation and password-reset emails by how they ended (SENT, BOUNCED, SKIPPED, FAILED, INTERRUPTED)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    this.queue = this.jobs.queue<AccountEmailJob>(accountEmailQueueName(this.config.dbSchema), {
      attempts: this.config.ACCOUNT_EMAIL_ATTEMPTS,
      backoff: { type: 'custom' },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 5000 },
    });
  }

  onApplicationBootstrap(): void {
    this.jobs.worker<AccountEmailJob>(accountEmailQueueName(this.config.dbSchema), (job) => this.send(job), {
      concurrency: 2,
      backoff: (attemptsMade) =>
        accountEmailRetryDelayMs(this.config.ACCOUNT_EMAIL_RETRY_DELAY_MS, this.config.ACCOUNT_EMAIL_RETRY_MAX_DELAY_MS, attemptsMade),
      expectedFailure: (err) => err instanceof SendDeferred,
      describe: (job) => ({ tenantId: job.data.tenantId, emailId: job.data.emailId }),
    });
    this.jobs.inBackground('account email sweep', () => this.sweep());
  }

  /** Stages the email of a link in the transaction that stores the link; `id` is the link's id. */
  async stage(em: EntityManager, p: { id: string; tenantId: string; kind: AccountEmailKind; token: string }): Promise<void> {
    await em.query(`INSERT INTO account_emails (id, tenant_id, kind, sealed_token) VALUES ($1, $2, $3, $4)`, [
      p.id,
      p.tenantId,
      p.kind,
      sealSecret(this.keyring, sealedFor(p.id), p.token),
    ]);
  }

  /** Queues a staged email once its row is committed. Never throws: the start-up sweep queues what Redis refused now. */
  async enqueue(tenantId: string, emailId: string): Promise<void> {
    try {
      await this.queue.add('send', { tenantId, emailId }, { jobId: accountEmailJobId(emailId) });
    } catch (err) {
      this.logger.error({ err, tenantId, emailId }, 'could not queue an account email; the start-up sweep will');
    }
  }

  /** Re-queues every PENDING email (a process may have died between commit and queueing); the derived job id makes it idempotent. */
  async sweep(): Promise<number> {
    let queued = 0;
    let afterId = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page: { id: string; tenant_id: string }[] = await this.db.tenantDb.system((em) =>
        em.query(`SELECT id, tenant_id FROM account_emails WHERE status = 'PENDING' AND id > $1 ORDER BY id LIMIT $2`, [
          afterId,
          SWEEP_PAGE,
        ]),
      );
      for (const row of page) await this.enqueue(row.tenant_id, row.id);
      queued += page.length;
      if (page.length < SWEEP_PAGE) return queued;
      afterId = page[page.length - 1].id;
    }
  }

  /** One attempt of one email. Throws SendDeferred so BullMQ retries it; settles the row on every other way out. */
  async send(job: Job<AccountEmailJob>): Promise<void> {
    const { tenantId, emailId } = job.data;
    const claim = await this.db.withTenant(tenantId, (em) => this.claim(em, tenantId, emailId));
    if (!claim) return;
    const label = { kind: claim.kind, tenantId, emailId };
    if (!this.mailer.configured) {
      this.mailer.warnNotConfigured(label);
      return this.settle(tenantId, emailId, claim.kind, 'FAILED', 'IDENTITY_SMTP_URL is not set');
    }
    let result: { status: 'SENT' | 'BOUNCED'; reason?: string };
    try {
      // The Message-ID is the row's: every attempt is the same message to the receiving server.
      result = await this.mailer.sendOnce(accountEmailJobId(emailId), claim.to, claim.email, label);
    } catch (err) {
      const reason = describeFailure(err);
      const last = !isRetryable(err) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (last) {
        await this.settle(tenantId, emailId, claim.kind, 'FAILED', reason);
        throw new UnrecoverableError(`account email ${emailId} given up: ${reason}`);
      }
      await this.db.withTenant(tenantId, (em) =>
        em.query(`UPDATE account_emails SET status = 'PENDING', last_error = $2 WHERE id = $1 AND status = 'SENDING'`, [emailId, reason]),
      );
      throw new SendDeferred(`account email ${emailId} not sent yet (attempt ${job.attemptsMade + 1}): ${reason}`);
    }
    await this.settle(tenantId, emailId, claim.kind, result.status, result.reason ?? null);
  }

  /**
   * PENDING → SENDING, with what to send; null when there is nothing to send
   * (settled already, or settled here: an interrupted send, a dead link).
   */
  private async claim(
    em: EntityManager,
    tenantId: string,
    emailId: string,
  ): Promise<{ kind: AccountEmailKind; to: string; email: ReturnType<typeof accountEmailContent> } | null> {
    const [row]: { kind: AccountEmailKind; status: string; sealed_token: string | null }[] = await em.query(
      `SELECT kind, status, sealed_token FROM account_emails WHERE id = $1 FOR UPDATE`,
      [emailId],
    );
    if (!row) return null;
    if (row.status === 'SENDING') {
      await this.settleIn(em, tenantId, emailId, row.kind, 'INTERRUPTED', 'the process died during the send; not sent again');
      return null;
    }
    if (row.status !== 'PENDING' || !row.sealed_token) return null;
    const link = await linkOf(em, row.kind, emailId);
    if (!link?.usable) {
      await this.settleIn(em, tenantId, emailId, row.kind, 'SKIPPED', 'the link was used, replaced, revoked or has expired');
      return null;
    }
    await em.query(`UPDATE account_emails SET status = 'SENDING', attempts = attempts + 1 WHERE id = $1`, [emailId]);
    const token = openSecret(this.keyring, sealedFor(emailId), row.sealed_token);
    return { kind: row.kind, to: link.email, email: accountEmailContent(row.kind, link, token, this.config.IDENTITY_APP_URL) };
  }

  private settle(tenantId: string, emailId: string, kind: AccountEmailKind, outcome: AccountEmailOutcome, reason: string | null) {
    return this.db.withTenant(tenantId, (em) => this.settleIn(em, tenantId, emailId, kind, outcome, reason));
  }

  private async settleIn(
    em: EntityManager,
    tenantId: string,
    emailId: string,
    kind: AccountEmailKind,
    outcome: AccountEmailOutcome,
    reason: string | null,
  ): Promise<void> {
    const [settled]: { attempts: number }[] = (
      await em.query(
        `UPDATE account_emails SET status = $2, last_error = coalesce($3, last_error), sealed_token = NULL, settled_at = now()
          WHERE id = $1 AND status IN ('PENDING', 'SENDING') RETURNING attempts`,
        [emailId, outcome, reason],
      )
    )[0];
    if (!settled) return;
    this.outcomes.inc({ kind, outcome });
    if (outcome === 'SENT' || outcome === 'SKIPPED') return;
    this.logger.error({ tenantId, emailId, kind, outcome, reason, attempts: settled.attempts }, 'account email not delivered');
    await this.audit.record(em, {
      tenantId,
      action: 'sendAccountEmail',
      objectType: kind === 'invitation' ? 'Invitation' : 'PasswordReset',
      objectId: emailId,
      details: { outcome, reason, attempts: settled.attempts },
    });
  }
}

/** The link the email is about, and whether it still works; null when it is gone (a newer reset deleted it). */
async function linkOf(em: EntityManager, kind: AccountEmailKind, id: string): Promise<LinkRow | null> {
  const [row]: LinkRow[] =
    kind === 'invitation'
      ? await em.query(
          `SELECT i.email, i.roles, i.expires_at AS "expiresAt", t.name AS "tenantName",
                  (i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now() AND t.disabled_at IS NULL) AS usable
             FROM invitations i JOIN tenants t ON t.id = i.tenant_id WHERE i.id = $1`,
          [id],
        )
      : await em.query(
          `SELECT u.email, u.roles, r.expires_at AS "expiresAt", t.name AS "tenantName",
                  (r.used_at IS NULL AND r.expires_at > now() AND NOT u.disabled AND t.disabled_at IS NULL) AS usable
             FROM password_resets r JOIN users u ON u.id = r.user_id JOIN tenants t ON t.id = r.tenant_id WHERE r.id = $1`,
          [id],
        );
  return row ?? null;
}

/** What is kept of a failure: its class and code, never the server's text (it may quote the address). */
function describeFailure(err: unknown): string {
  const e = err as { code?: string; responseCode?: number } | null;
  const name = err instanceof Error ? err.constructor.name : 'Error';
  return [name, e?.code, e?.responseCode].filter((p) => p !== undefined && p !== null).join(' ');
}

import { Injectable } from '@nestjs/common';
import { badUserInput, requireRole, type Principal } from '@rapport/auth';
import { TenantDatabase } from '@rapport/persistence';
import { auditChanges, describeAudit, ServiceDatabase } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import { AuditLogService } from './audit-log.service';

/** The longest retention a tenant may choose (ten years); null keeps entries for ever. */
export const MAX_RETENTION_DAYS = 3650;

/**
 * How long a tenant keeps its audit entries, and the pruning that applies
 * it without breaking the chain: the last pruned entry's hash stays as the
 * chain's anchor, and an `audit.pruned` entry in the chain itself says what
 * went, so a verifier starts from the anchor and an anchor moved by hand
 * does not match the entry that recorded it.
 */
@Injectable()
export class AuditRetentionService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly tenantDb: TenantDatabase,
    private readonly log: AuditLogService,
  ) {}

  async retention(principal: Principal): Promise<{ days: number | null }> {
    await this.log.requireReader(principal);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const [row] = await em.query(`SELECT retention_days FROM audit_settings WHERE tenant_id = $1`, [principal.tenantId]);
      return { days: row?.retention_days ?? null };
    });
  }

  async setRetention(principal: Principal, input: { days?: number | null }): Promise<{ days: number | null }> {
    requireRole(principal, 'admin');
    const days = input.days ?? null;
    if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS)) {
      throw badUserInput('days', `must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, or null to keep entries for ever`);
    }
    return this.db.withTenant(principal.tenantId, async (em) => {
      const [before] = await em.query(`SELECT retention_days FROM audit_settings WHERE tenant_id = $1 FOR UPDATE`, [principal.tenantId]);
      await em.query(
        `INSERT INTO audit_settings (tenant_id, retention_days) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET retention_days = EXCLUDED.retention_days, updated_at = now()`,
        [principal.tenantId, days],
      );
      describeAudit({
        objectType: 'AuditSettings',
        objectId: principal.tenantId,
        changes: auditChanges({ retentionDays: before?.retention_days ?? null }, { retentionDays: days }),
      });
      return { days };
    });
  }

  /** Tenants that chose a retention: the ones pruning visits. */
  async tenantsWithRetention(): Promise<string[]> {
    const rows: { tenant_id: string }[] = await this.tenantDb.system((em) =>
      em.query(`SELECT tenant_id FROM audit_settings WHERE retention_days IS NOT NULL`),
    );
    return rows.map((r) => r.tenant_id);
  }

  /**
   * Removes the tenant's entries older than its retention; returns how many.
   * The service's role may not delete audit rows: after announcing the prune
   * in the chain, it asks the owner's prune_audit_log to delete them, under
   * the chain lock.
   */
  async prune(tenantId: string, now = new Date()): Promise<number> {
    return this.tenantDb.system(async (em) => {
      const [settings] = await em.query(`SELECT retention_days FROM audit_settings WHERE tenant_id = $1`, [tenantId]);
      if (!settings?.retention_days) return 0;
      const head = await this.log.lockHead(em, tenantId);
      const cutoff = new Date(now.getTime() - Number(settings.retention_days) * 86_400_000);
      const [last] = await em.query(`SELECT seq, hash FROM audit_log WHERE tenant_id = $1 AND occurred_at < $2 ORDER BY seq DESC LIMIT 1`, [
        tenantId,
        cutoff,
      ]);
      if (!last) return 0;
      const through = { seq: Number(last.seq), hash: last.hash as string };
      await this.log.insert(
        em,
        tenantId,
        {
          seq: head.seq + 1,
          id: uuidv7(),
          occurredAt: now.toISOString(),
          service: 'identity',
          actorKind: 'system',
          actorId: null,
          action: 'audit.pruned',
          objectType: 'AuditLog',
          objectId: tenantId,
          changes: null,
          details: {
            throughSeq: through.seq,
            throughHash: through.hash,
            olderThan: cutoff.toISOString(),
            retentionDays: Number(settings.retention_days),
          },
          requestId: null,
        },
        head.hash,
      );
      const [{ deleted }] = await em.query(`SELECT prune_audit_log($1, $2) AS deleted`, [tenantId, through.seq]);
      await em.query(`UPDATE audit_chains SET anchor_seq = $2, anchor_hash = $3 WHERE tenant_id = $1`, [
        tenantId,
        through.seq,
        through.hash,
      ]);
      return Number(deleted);
    });
  }
}

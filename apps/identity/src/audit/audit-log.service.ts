import { Injectable } from '@nestjs/common';
import { requireFieldAccess, type Principal } from '@rapport/auth';
import type { AuditRecordedV1 } from '@rapport/contracts';
import { AccessPolicy, pageWindow, paginate, ServiceDatabase, type PageArgs } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { chainHash, GENESIS_HASH, verifyRows, type ChainBreak, type ChainedContent, type ChainedRow } from './audit-chain';
import { AuditEntryEntity } from './audit-entry.entity';
import { validAuditFilter } from './audit-filter';

const VERIFY_BATCH = 1000;

export interface ChainVerification {
  ok: boolean;
  checked: number;
  firstBroken: ChainBreak | null;
}

/**
 * The tenant's audit log: appended from every service's audit events,
 * chained per tenant (ADR 025), read and verified by admins and auditors.
 */
@Injectable()
export class AuditLogService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly access: AccessPolicy,
  ) {}

  /** Admins and auditors, through the access matrix (AUDIT: READ), so a tenant can narrow auditors too. */
  async requireReader(principal: Principal): Promise<void> {
    requireFieldAccess(principal, 'AUDIT', 'READ', await this.access.overrides(principal));
  }

  /**
   * Appends one entry under the tenant's chain lock, so entries get
   * consecutive sequence numbers and each hash covers the one before.
   * Runs in the consumer's inbox transaction: an event is appended once.
   */
  async append(em: EntityManager, event: AuditRecordedV1): Promise<void> {
    const head = await this.lockHead(em, event.tenantId);
    const content: ChainedContent = {
      seq: head.seq + 1,
      id: event.id,
      occurredAt: new Date(event.occurredAt).toISOString(),
      service: event.data.service,
      actorKind: event.actor?.kind ?? 'system',
      actorId: event.actor?.id ?? null,
      action: event.data.action,
      objectType: event.data.objectType ?? null,
      objectId: event.data.objectId ?? null,
      changes: event.data.changes ?? null,
      details: event.data.details ?? null,
      requestId: event.data.requestId ?? null,
    };
    await this.insert(em, event.tenantId, content, head.hash);
  }

  async list(principal: Principal, filterInput: Record<string, unknown> | null, args: PageArgs) {
    await this.requireReader(principal);
    const filter = validAuditFilter(filterInput);
    const wanted = pageWindow(args);
    return this.db.withTenant(principal.tenantId, (em) => {
      const q = em.getRepository(AuditEntryEntity).createQueryBuilder('a');
      if (filter.objectType) q.andWhere('a.object_type = :objectType', { objectType: filter.objectType });
      if (filter.objectId) q.andWhere('a.object_id = :objectId', { objectId: filter.objectId });
      if (filter.actorId) q.andWhere('a.actor_id = :actorId', { actorId: filter.actorId });
      if (filter.action) q.andWhere('a.action = :action', { action: filter.action });
      if (filter.from) q.andWhere('a.occurred_at >= :from', { from: filter.from });
      if (filter.to) q.andWhere('a.occurred_at < :to', { to: filter.to });
      // Newest first by chain position: the order entries were recorded in, unique per tenant.
      return paginate(q, { ...wanted, sortColumn: 'a.seq', idColumn: 'a.id', direction: 'DESC', cursorOf: (r) => [r.seq, r.id] });
    });
  }

  /** Recomputes the tenant's chain from its anchor to its head; names the first entry that does not fit. */
  async verify(principal: Principal): Promise<ChainVerification> {
    await this.requireReader(principal);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const [head] = await em.query(`SELECT last_seq, last_hash, anchor_seq, anchor_hash FROM audit_chains WHERE tenant_id = $1`, [
        principal.tenantId,
      ]);
      let at = head ? { seq: Number(head.anchor_seq), hash: head.anchor_hash as string } : { seq: 0, hash: GENESIS_HASH };
      let checked = 0;
      for (;;) {
        const rows = await this.rowsAfter(em, at.seq);
        const result = verifyRows(rows, at);
        if (result.broken)
          return { ok: false, checked: checked + rows.findIndex((r) => r.seq === result.broken.seq), firstBroken: result.broken };
        checked += rows.length;
        at = result.last;
        if (rows.length < VERIFY_BATCH) break;
      }
      if (head && (at.seq !== Number(head.last_seq) || at.hash !== head.last_hash)) {
        return {
          ok: false,
          checked,
          firstBroken: { seq: at.seq + 1, id: '', reason: `entries after ${at.seq} up to ${head.last_seq} are missing` },
        };
      }
      return { ok: true, checked, firstBroken: null };
    });
  }

  async rowsAfter(em: EntityManager, seq: number): Promise<ChainedRow[]> {
    const rows = await em
      .getRepository(AuditEntryEntity)
      .createQueryBuilder('a')
      .where('a.seq > :seq', { seq })
      .orderBy('a.seq', 'ASC')
      .limit(VERIFY_BATCH)
      .getMany();
    return rows.map((r) => ({
      seq: r.seq,
      id: r.id,
      occurredAt: r.occurredAt.toISOString(),
      service: r.service,
      actorKind: r.actorKind,
      actorId: r.actorId,
      action: r.action,
      objectType: r.objectType,
      objectId: r.objectId,
      changes: r.changes,
      details: r.details,
      requestId: r.requestId,
      prevHash: r.prevHash,
      hash: r.hash,
    }));
  }

  /** The tenant's chain head, locked until the transaction ends; created at the genesis hash the first time. */
  async lockHead(em: EntityManager, tenantId: string): Promise<{ seq: number; hash: string }> {
    await em.query(
      `INSERT INTO audit_chains (tenant_id, last_seq, last_hash, anchor_seq, anchor_hash) VALUES ($1, 0, $2, 0, $2) ON CONFLICT (tenant_id) DO NOTHING`,
      [tenantId, GENESIS_HASH],
    );
    const [head] = await em.query(`SELECT last_seq, last_hash FROM audit_chains WHERE tenant_id = $1 FOR UPDATE`, [tenantId]);
    return { seq: Number(head.last_seq), hash: head.last_hash as string };
  }

  /** Writes an entry after `prevHash` and moves the head to it. */
  async insert(em: EntityManager, tenantId: string, c: ChainedContent, prevHash: string): Promise<string> {
    const hash = chainHash(prevHash, c);
    await em.query(
      `INSERT INTO audit_log (tenant_id, seq, id, occurred_at, service, actor_kind, actor_id, action, object_type, object_id, changes, details, request_id, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        tenantId,
        c.seq,
        c.id,
        c.occurredAt,
        c.service,
        c.actorKind,
        c.actorId,
        c.action,
        c.objectType,
        c.objectId,
        c.changes === null ? null : JSON.stringify(c.changes),
        c.details === null ? null : JSON.stringify(c.details),
        c.requestId,
        prevHash,
        hash,
      ],
    );
    await em.query(`UPDATE audit_chains SET last_seq = $2, last_hash = $3 WHERE tenant_id = $1`, [tenantId, c.seq, hash]);
    return hash;
  }
}

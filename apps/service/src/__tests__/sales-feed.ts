import {
  ACCOUNT_CREATED,
  ACCOUNT_MERGED,
  ACCOUNT_UNMERGED,
  CONTACT_CREATED,
  CONTACT_MERGED,
  CONTACT_UNMERGED,
  CONTACT_UPDATED,
  SYSTEM_ACTOR,
  type EventEnvelope,
} from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { NatsConnection } from 'nats';
import { v7 as uuidv7 } from 'uuid';

type Query = (sql: string, params: unknown[]) => Promise<{ n: number }[]>;

/**
 * Publishes sales' customer-master events onto the run's SALES stream, the
 * way sales' outbox relay does (same envelope, Nats-Msg-Id = event id), for
 * service tests that run without sales. `contact()`/`account()` return once
 * service's projection holds the record, so tests need no sleeps.
 */
export class SalesFeed {
  private readonly prefix = process.env.NATS_SUBJECT_PREFIX;

  constructor(
    private readonly nc: NatsConnection,
    private readonly query: Query,
  ) {}

  async publish(event: EventEnvelope): Promise<void> {
    await this.nc.jetstream().publish(`${this.prefix}.${event.type}`, Buffer.from(JSON.stringify(event)), { msgID: event.id });
  }

  contactEvent(tenantId: string, id: string, accountId: string | null = null, type: 'created' | 'updated' = 'created'): EventEnvelope {
    const now = new Date().toISOString();
    const contact = {
      id,
      accountId,
      ownerId: null,
      firstName: 'Test',
      lastName: 'Customer',
      emails: [],
      phones: [],
      externalIds: [],
      createdAt: now,
      updatedAt: now,
    };
    return type === 'created'
      ? newEvent({ type: CONTACT_CREATED, tenantId, actor: SYSTEM_ACTOR, subjectId: id, data: { contact } })
      : newEvent({ type: CONTACT_UPDATED, tenantId, actor: SYSTEM_ACTOR, subjectId: id, data: { contact, changed: ['accountId'] } });
  }

  /** A contact as sales creates it (UUIDv7 id), once projected. */
  async contact(tenantId: string, accountId: string | null = null): Promise<string> {
    const id = uuidv7();
    await this.publish(this.contactEvent(tenantId, id, accountId));
    await this.projected('customer_contacts', tenantId, id);
    return id;
  }

  async account(tenantId: string): Promise<string> {
    const id = uuidv7();
    const now = new Date().toISOString();
    const account = { id, name: 'Test account', domain: null, industry: null, ownerId: null, createdAt: now, updatedAt: now };
    await this.publish(newEvent({ type: ACCOUNT_CREATED, tenantId, actor: SYSTEM_ACTOR, subjectId: id, data: { account } }));
    await this.projected('customer_accounts', tenantId, id);
    return id;
  }

  mergeEvent(kind: 'CONTACT' | 'ACCOUNT', tenantId: string, survivorId: string, mergedIds: string[], mergeId = uuidv7()) {
    const type = kind === 'CONTACT' ? CONTACT_MERGED : ACCOUNT_MERGED;
    return newEvent({ type, tenantId, actor: SYSTEM_ACTOR, subjectId: survivorId, data: { survivorId, mergedIds, mergeId } });
  }

  unmergeEvent(kind: 'CONTACT' | 'ACCOUNT', tenantId: string, survivorId: string, restoredIds: string[], mergeId: string) {
    const type = kind === 'CONTACT' ? CONTACT_UNMERGED : ACCOUNT_UNMERGED;
    return newEvent({ type, tenantId, actor: SYSTEM_ACTOR, subjectId: survivorId, data: { survivorId, restoredIds, mergeId } });
  }

  /** Publishes a merge and returns its id once service has applied it. */
  async merge(kind: 'CONTACT' | 'ACCOUNT', tenantId: string, survivorId: string, mergedIds: string[]): Promise<string> {
    const event = this.mergeEvent(kind, tenantId, survivorId, mergedIds);
    await this.publish(event);
    await this.until(
      `SELECT count(*)::int AS n FROM customer_merge_members WHERE tenant_id = $1 AND merge_id = $2 AND merged_at IS NOT NULL`,
      [tenantId, event.data.mergeId],
    );
    return event.data.mergeId;
  }

  async unmerge(kind: 'CONTACT' | 'ACCOUNT', tenantId: string, survivorId: string, restoredIds: string[], mergeId: string): Promise<void> {
    await this.publish(this.unmergeEvent(kind, tenantId, survivorId, restoredIds, mergeId));
    await this.until(
      `SELECT count(*)::int AS n FROM customer_merge_members WHERE tenant_id = $1 AND merge_id = $2 AND unmerged_at IS NOT NULL`,
      [tenantId, mergeId],
    );
  }

  async projected(table: 'customer_contacts' | 'customer_accounts', tenantId: string, id: string): Promise<void> {
    await this.until(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1 AND id = $2 AND sales_updated_at IS NOT NULL`, [
      tenantId,
      id,
    ]);
  }

  private async until(sql: string, params: unknown[], timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.query(sql, params))[0].n === 0) {
      if (Date.now() > deadline) throw new Error(`not projected within ${timeoutMs} ms: ${sql} ${JSON.stringify(params)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

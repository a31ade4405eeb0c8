import type { EventEnvelope } from '@rapport/contracts';
import { appendManyToOutbox, appendToOutbox, type OutboxRelay } from '@rapport/messaging';
import type { TenantDatabase } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { auditTransactionCommitted, auditTransactionRolledBack } from './audit/audit-scope';

/**
 * What feature services use for data access: tenant-scoped transactions, and
 * events written to the outbox inside them. When a transaction that wrote
 * events commits, the relay is woken at once, so events leave within
 * milliseconds instead of at the next poll.
 */
export class ServiceDatabase {
  private readonly wroteEvents = new WeakSet<EntityManager>();

  constructor(
    readonly tenantDb: TenantDatabase,
    private readonly relay: OutboxRelay,
  ) {}

  async withTenant<T>(tenantId: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
    let em: EntityManager | undefined;
    let result: T;
    try {
      result = await this.tenantDb.withTenant(tenantId, (txEm) => {
        em = txEm;
        return work(txEm);
      });
    } catch (err) {
      if (em) auditTransactionRolledBack(em);
      throw err;
    }
    if (em) auditTransactionCommitted(em);
    if (em && this.wroteEvents.has(em)) this.relay.kick();
    return result;
  }

  /** Records an event in the current transaction; it is published after commit. */
  async publish(em: EntityManager, event: EventEnvelope): Promise<void> {
    await appendToOutbox(em, event);
    this.wroteEvents.add(em);
  }

  /** `publish` for many events at once (one INSERT per thousand), in their order. */
  async publishMany(em: EntityManager, events: readonly EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    await appendManyToOutbox(em, events);
    this.wroteEvents.add(em);
  }

  /** For events the transaction wrote to the outbox itself (built in SQL): the relay is woken at commit, as after publish. */
  wroteToOutbox(em: EntityManager): void {
    this.wroteEvents.add(em);
  }
}

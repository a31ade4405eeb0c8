import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '@rapport/auth';
import { OutboxRelay } from '@rapport/messaging';
import type { KeysetPage } from '@rapport/persistence';
import { AccessPolicy, AuditRecorder, type PageArgs, pageWindow, paginate, ServiceDatabase, validate } from '@rapport/service-kit';
import { requireCustomerFigures, requireOrdersWrite } from '../access/analytics-access';
import { ClvScheduler } from '../clv/clv-scheduler';
import { RfmScheduler } from '../rfm/rfm-scheduler';
import { TableStatistics } from '../statistics/table-statistics';
import { bulkField, parseBulkOrders } from './bulk-orders';
import { batchField, type IngestResult } from './order-batch';
import { OrderIngest } from './order-ingest';
import type { OrderInput } from './order-input';
import { OrderEntity } from './order.entity';

/** Largest batch `recordOrders` takes; bigger imports go in several calls (or the bulk path). */
export const MAX_BATCH = 1000;

export interface RecordOrdersInput {
  orders: OrderInput[];
}

export interface RecordOrdersOutcome {
  results: IngestResult[];
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface ListOrdersArgs extends PageArgs {
  contactId?: string | null;
}

@Injectable()
export class OrdersService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly access: AccessPolicy,
    private readonly ingest: OrderIngest,
    private readonly rfm: RfmScheduler,
    private readonly clv: ClvScheduler,
    private readonly relay: OutboxRelay,
    private readonly statistics: TableStatistics,
    private readonly audit: AuditRecorder,
  ) {}

  /** Records a batch: each order created, updated, left unchanged or rejected on its own. */
  async record(principal: Principal, input: RecordOrdersInput): Promise<RecordOrdersOutcome> {
    requireOrdersWrite(principal);
    const orders = validate.listOf('input.orders', input.orders, MAX_BATCH);
    const results = await this.db.withTenant(principal.tenantId, (em) =>
      this.ingest.ingest(em, principal.tenantId, orders, { fieldAt: batchField('input.orders'), actor: actorOf(principal) }),
    );
    this.afterCommit(principal.tenantId, results);
    return outcomeOf(results);
  }

  /**
   * The bulk route's batch (`POST /orders/bulk`, NDJSON: one OrderInput a
   * line): the same validation, ingest, events and outcomes as recordOrders,
   * without GraphQL's parsing and coercion of thousands of input objects at
   * the gateway and here. Its audit entry is written in the ingest's own
   * transaction (recordOrders gets one from the mutation interceptor).
   */
  async recordBulk(principal: Principal, body: string, requestId: string | null): Promise<RecordOrdersOutcome> {
    requireOrdersWrite(principal);
    const { orders, rejected } = parseBulkOrders(body);
    const results = await this.db.withTenant(principal.tenantId, async (em) => {
      const ingested = await this.ingest.ingest(
        em,
        principal.tenantId,
        orders.map((o) => o.input),
        { fieldAt: (i) => bulkField(orders[i].index), actor: actorOf(principal) },
      );
      const all = [...rejected, ...ingested.map((r) => ({ ...r, index: orders[r.index].index }))].sort((a, b) => a.index - b.index);
      const { created, updated, unchanged, rejected: refused } = outcomeOf(all);
      await this.audit.record(em, {
        tenantId: principal.tenantId,
        action: 'recordOrdersBulk',
        actor: actorOf(principal),
        requestId,
        objectType: 'Order',
        details: { orders: all.length, created, updated, unchanged, rejected: refused },
      });
      return all;
    });
    this.afterCommit(principal.tenantId, results);
    return outcomeOf(results);
  }

  /**
   * After the commit of an ingest (here or recordCommerceEvents), so the
   * recompute cannot miss these orders and the relay finds their events.
   */
  afterCommit(tenantId: string, results: readonly IngestResult[]): void {
    const written = results.filter((r) => r.outcome === 'CREATED' || r.outcome === 'UPDATED').length;
    if (written > 0) {
      this.relay.kick();
      this.rfm.request(tenantId);
      // Bulk imports (import-orders: many batches) leave the planner statistics behind; analyzed once stale (ADR 055).
      this.statistics.refreshLater(['orders'], written);
    }
    // Only the customers whose orders changed are rescored (no-op until a CLV model is fitted).
    this.clv.requestScoring(tenantId, changedContacts(results));
  }

  /** Newest first; one contact's orders (including those of contacts merged into it), or the tenant's. */
  async list(principal: Principal, args: ListOrdersArgs): Promise<KeysetPage<OrderEntity>> {
    const wanted = pageWindow(args);
    const contactId = validate.optionalUuid('contactId', args.contactId);
    requireCustomerFigures(principal, 'ORDERS', await this.access.overrides(principal), contactId);
    return this.db.withTenant(principal.tenantId, (em) => {
      const q = em.getRepository(OrderEntity).createQueryBuilder('o');
      if (contactId) q.where('o.contact_id = :contactId', { contactId });
      return paginate(q, {
        ...wanted,
        sortColumn: 'o.occurred_at',
        idColumn: 'o.id',
        direction: 'DESC',
        cursorOf: (o) => [o.occurredAt.toISOString(), o.id],
      });
    });
  }
}

function outcomeOf(results: IngestResult[]): RecordOrdersOutcome {
  const count = (outcome: IngestResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
  return { results, created: count('CREATED'), updated: count('UPDATED'), unchanged: count('UNCHANGED'), rejected: count('REJECTED') };
}

/** Contacts whose orders were created or changed by a batch (matched ones only). */
export function changedContacts(results: readonly IngestResult[]): string[] {
  return [...new Set(results.flatMap((r) => ((r.outcome === 'CREATED' || r.outcome === 'UPDATED') && r.contactId ? [r.contactId] : [])))];
}

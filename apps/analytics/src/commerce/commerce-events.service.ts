import { Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '@rapport/auth';
import type { EventActor } from '@rapport/contracts';
import { appendManyToOutbox, newEvent, OutboxRelay } from '@rapport/messaging';
import { ServiceDatabase, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { requireCommerceWrite } from '../access/analytics-access';
import type { IngestResult } from '../orders/order-batch';
import { OrderIngest } from '../orders/order-ingest';
import { OrdersService } from '../orders/orders.service';
import {
  planCommerceBatch,
  receiptKey,
  type CommerceEventInput,
  type CommerceEventResult,
  type ValidCommerceEvent,
  type ValidInteractionEvent,
  type ValidOrderEvent,
} from './commerce-event-input';
import { claimReceipts, releaseReceipts } from './commerce-receipts';

/** Largest batch `recordCommerceEvents` takes. */
export const MAX_COMMERCE_EVENTS = 500;

export interface RecordCommerceEventsInput {
  events: CommerceEventInput[];
}

export interface RecordCommerceEventsOutcome {
  results: CommerceEventResult[];
  recorded: number;
  duplicates: number;
  rejected: number;
}

/**
 * Shops' and apps' events through the API (ADR 032). Each event is judged
 * on its own; a valid one is recorded once per (source, eventId): its
 * receipt, and what it causes, commit together. order.placed goes into the
 * order ingest of recordOrders (announced as analytics.order.recorded);
 * carts and views are published on COMMERCE through the outbox, where
 * marketing's journeys (and anyone else) take them as if a partner had
 * published them on the bus.
 */
@Injectable()
export class CommerceEventsService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly ingest: OrderIngest,
    private readonly orders: OrdersService,
    private readonly relay: OutboxRelay,
  ) {}

  async record(principal: Principal, input: RecordCommerceEventsInput): Promise<RecordCommerceEventsOutcome> {
    requireCommerceWrite(principal);
    const events = validate.listOf('input.events', input.events, MAX_COMMERCE_EVENTS);
    const { valid, rejected } = planCommerceBatch('input.events', events);
    const tenantId = principal.tenantId;
    const actor = actorOf(principal);
    const { results, ingested } = await this.db.withTenant(tenantId, (em) => this.recordValid(em, tenantId, actor, valid));
    results.push(...rejected);
    results.sort((a, b) => a.index - b.index);
    const count = (status: CommerceEventResult['status']) => results.filter((r) => r.status === status).length;
    const outcome = { results, recorded: count('RECORDED'), duplicates: count('DUPLICATE'), rejected: count('REJECTED') };
    if (outcome.recorded > 0) this.relay.kick();
    this.orders.afterCommit(tenantId, ingested);
    return outcome;
  }

  private async recordValid(
    em: EntityManager,
    tenantId: string,
    actor: EventActor,
    valid: readonly ValidCommerceEvent[],
  ): Promise<{ results: CommerceEventResult[]; ingested: IngestResult[] }> {
    const claimed = await claimReceipts(em, tenantId, valid);
    const results: CommerceEventResult[] = [];
    const fresh: ValidCommerceEvent[] = [];
    for (const event of valid) {
      if (claimed.has(receiptKey(event.source, event.eventId))) fresh.push(event);
      else results.push(result(event, 'DUPLICATE'));
    }
    const orders = fresh.filter((e): e is ValidOrderEvent => e.kind === 'order');
    const ingested =
      orders.length === 0
        ? []
        : await this.ingest.ingest(
            em,
            tenantId,
            orders.map((o) => o.order),
            { fieldAt: (i) => `input.events[${orders[i].index}].order`, actor },
          );
    const refused: ValidCommerceEvent[] = [];
    for (const r of ingested) {
      const event = orders[r.index];
      if (r.outcome === 'REJECTED') {
        refused.push(event);
        results.push({ ...result(event, 'REJECTED'), error: r.error });
      } else {
        results.push({ ...result(event, 'RECORDED'), orderId: r.orderId, contactId: r.contactId });
      }
    }
    await releaseReceipts(em, tenantId, refused);
    const interactions = fresh.filter((e): e is ValidInteractionEvent => e.kind === 'interaction');
    await appendManyToOutbox(
      em,
      interactions.map((e) =>
        newEvent({ type: e.busType, tenantId, actor, subjectId: e.subjectId, data: e.data, occurredAt: e.occurredAt }),
      ),
    );
    results.push(...interactions.map((e) => result(e, 'RECORDED')));
    return { results, ingested };
  }
}

function result(event: ValidCommerceEvent, status: CommerceEventResult['status']): CommerceEventResult {
  return { index: event.index, eventId: event.eventId, type: event.type, status, orderId: null, contactId: null, error: null };
}

import { Injectable } from '@nestjs/common';
import {
  CART_ABANDONED,
  CASE_DELETED,
  CASE_OPENED,
  CASE_PURGED,
  CASE_REOPENED,
  CASE_RESOLVED,
  CASE_RESTORED,
  CASE_RESYNCED,
  CASE_STATUS_CHANGED,
  CASE_UPDATED,
  CONTACT_CREATED,
  CONTACT_DELETED,
  CONTACT_MERGED,
  CONTACT_PURGED,
  CONTACT_RESTORED,
  CONTACT_RESYNCED,
  CONTACT_UNMERGED,
  CONTACT_UPDATED,
  CUSTOMER_CHURN_RISK_CHANGED,
  CUSTOMER_RFM_CHANGED,
  CUSTOMER_TIER_CHANGED,
  CUSTOMER_VALUE_CHANGED,
  ORDER_RECORDED,
  type CartAbandonedV1,
  type ContactCreatedV1,
  type ContactMergedV1,
  type ContactResyncedV1,
  type ContactUnmergedV1,
  type ContactUpdatedV1,
  type CustomerChurnRiskChangedV1,
  type CustomerRfmChangedV1,
  type CustomerTierChangedV1,
  type CustomerValueChangedV1,
  type EventEnvelope,
  type OrderRecordedDataV1,
  type OrderRecordedV1,
} from '@rapport/contracts';
import { deletionFactOf } from '@rapport/customer-master';
import type { EntityManager } from 'typeorm';
import { exitRunsOf } from '../journeys/journey-exits';
import { AnalyticsProjection } from './analytics-projection';
import { CaseProjection, type CaseChange } from './case-projection';
import { ContactProjection } from './contact-projection';
import { CASE_EVENTS, notOutdated, type EventRun } from './event-runs';
import { applyScoreRun } from './score-runs';

/** Every event type the read model is built from, per producing stream. */
export const READ_MODEL_EVENTS = {
  SALES: [
    CONTACT_CREATED,
    CONTACT_UPDATED,
    CONTACT_MERGED,
    CONTACT_UNMERGED,
    CONTACT_DELETED,
    CONTACT_RESTORED,
    CONTACT_PURGED,
    // A contact as sales holds it now, republished for a rebuild (ADR 053); the live consumer applies it too.
    CONTACT_RESYNCED,
  ],
  SERVICE: CASE_EVENTS,
  // Tier and churn events stay: what was published before value events existed must still rebuild the same rows.
  ANALYTICS: [CUSTOMER_RFM_CHANGED, CUSTOMER_TIER_CHANGED, CUSTOMER_CHURN_RISK_CHANGED, CUSTOMER_VALUE_CHANGED, ORDER_RECORDED],
  COMMERCE: [CART_ABANDONED],
} as const;

/** What applying an event did, for what follows it (journeys, attribution). */
export interface Applied {
  /** The contact the event is about, for journey triggers; null if none (or unknown). */
  contactId: string | null;
  complaintOpened: string[];
  complaintsCleared: string[];
  /** A recorded order that applied and the survivor it counts for, for attribution (null for an outdated record). */
  order: { data: OrderRecordedDataV1; survivor: string | null } | null;
}

const NOTHING: Applied = { contactId: null, complaintOpened: [], complaintsCleared: [], order: null };

/** Case events that are journey triggers; edits, status changes and deletions only move the counts. */
const CASE_TRIGGERS = new Set<string>([CASE_OPENED, CASE_RESOLVED, CASE_REOPENED]);

/**
 * Applies one event of another service to marketing's read model. Used by
 * the live consumers (inside their inbox transaction) and by replay
 * (without an inbox): every projection is idempotent and keeps the newest
 * fact, so both can run over the same rows at once.
 */
@Injectable()
export class ReadModelProjector {
  constructor(
    private readonly contacts: ContactProjection,
    private readonly cases: CaseProjection,
    private readonly analytics: AnalyticsProjection,
  ) {}

  /**
   * Applies a run of a batch (event-runs.ts): snapshots and scores
   * set-based, a single event as `apply` does. Returns what each event of
   * the run did, in its order.
   */
  async applyRun(em: EntityManager, tenantId: string, run: EventRun): Promise<Applied[]> {
    switch (run.kind) {
      case 'SNAPSHOT': {
        const contacts = run.events.map((e) => (e as ContactCreatedV1 | ContactUpdatedV1).data.contact);
        const applied = await this.contacts.applySnapshots(em, tenantId, contacts);
        const current = notOutdated(
          contacts,
          (c) => c.id,
          (c) => c.updatedAt,
        );
        return contacts.map((c, i) => ({ ...NOTHING, contactId: applied.has(c.id) && current[i] ? c.id : null }));
      }
      case 'SCORE':
        return (await applyScoreRun(em, tenantId, run.events)).map((contactId) => ({ ...NOTHING, contactId }));
      case 'CASE':
        return (await this.cases.applyMany(em, tenantId, run.events)).map((change, i) =>
          caseApplied(change, CASE_TRIGGERS.has(run.events[i].type)),
        );
      case 'ORDER': {
        const orders = run.events.map((e) => ({ order: (e as OrderRecordedV1).data, at: e.occurredAt }));
        // An outdated record (a newer one is stored) changed nothing: it has nothing for attribution to follow either.
        return (await this.analytics.applyOrders(em, tenantId, orders)).map(({ applied, survivor }, i) => ({
          ...NOTHING,
          contactId: survivor,
          order: applied ? { data: orders[i].order, survivor } : null,
        }));
      }
      case 'MERGE': {
        const merges = run.events as ContactMergedV1[];
        const survivors = await this.contacts.applyMerges(em, tenantId, merges);
        const exited = merges.filter((_, i) => survivors[i] !== null).flatMap((m) => m.data.mergedIds);
        if (exited.length > 0) await exitRunsOf(em, tenantId, exited, 'MERGED');
        return merges.map(() => NOTHING);
      }
      case 'ONE':
        return [await this.apply(em, run.events[0])];
    }
  }

  async apply(em: EntityManager, event: EventEnvelope): Promise<Applied> {
    const tenantId = event.tenantId;
    switch (event.type) {
      case CONTACT_CREATED:
      case CONTACT_UPDATED:
      case CONTACT_RESYNCED: {
        const { contact } = (event as ContactCreatedV1 | ContactUpdatedV1 | ContactResyncedV1).data;
        const applied = await this.contacts.applySnapshot(em, tenantId, contact);
        return { ...NOTHING, contactId: applied ? contact.id : null };
      }
      case CONTACT_MERGED:
        return (await this.applyRun(em, tenantId, { kind: 'MERGE', events: [event] }))[0];
      case CONTACT_UNMERGED:
        await this.contacts.applyUnmerge(em, tenantId, event as ContactUnmergedV1);
        return NOTHING;
      case CONTACT_DELETED:
      case CONTACT_RESTORED:
      case CONTACT_PURGED: {
        const fact = deletionFactOf(event);
        if (fact && (await this.contacts.applyDeletion(em, tenantId, fact)) && fact.change !== 'restored') {
          await exitRunsOf(em, tenantId, [fact.id], 'DELETED');
        }
        return NOTHING;
      }
      case CASE_OPENED:
      case CASE_RESOLVED:
      case CASE_REOPENED:
      case CASE_UPDATED:
      case CASE_STATUS_CHANGED:
      case CASE_RESYNCED:
      case CASE_DELETED:
      case CASE_RESTORED:
      case CASE_PURGED:
        return (await this.applyRun(em, tenantId, { kind: 'CASE', events: [event] }))[0];
      case CUSTOMER_RFM_CHANGED: {
        const { data } = event as CustomerRfmChangedV1;
        return { ...NOTHING, contactId: (await this.analytics.applyRfm(em, tenantId, data)) ? data.contactId : null };
      }
      case CUSTOMER_TIER_CHANGED: {
        const { data } = event as CustomerTierChangedV1;
        return { ...NOTHING, contactId: (await this.analytics.applyTier(em, tenantId, data, event.occurredAt)) ? data.contactId : null };
      }
      case CUSTOMER_CHURN_RISK_CHANGED: {
        const { data } = event as CustomerChurnRiskChangedV1;
        return { ...NOTHING, contactId: (await this.analytics.applyChurn(em, tenantId, data, event.occurredAt)) ? data.contactId : null };
      }
      case CUSTOMER_VALUE_CHANGED: {
        const { data } = event as CustomerValueChangedV1;
        return { ...NOTHING, contactId: (await this.analytics.applyValue(em, tenantId, data, event.occurredAt)) ? data.contactId : null };
      }
      case ORDER_RECORDED:
        return (await this.applyRun(em, tenantId, { kind: 'ORDER', events: [event] }))[0];
      case CART_ABANDONED: {
        const { data } = event as CartAbandonedV1;
        const contactId =
          data.contactId ??
          (data.externalCustomer
            ? await this.contacts.resolveExternalId(em, tenantId, data.externalCustomer.source, data.externalCustomer.key)
            : null);
        return { ...NOTHING, contactId };
      }
      default:
        return NOTHING;
    }
  }
}

function caseApplied(change: CaseChange, trigger = true): Applied {
  return {
    contactId: trigger ? change.contactId : null,
    complaintOpened: change.complaintOpened,
    complaintsCleared: change.complaintsCleared,
    order: null,
  };
}

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
import { notOutdated, type EventRun } from './event-runs';
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
  SERVICE: [
    CASE_OPENED,
    CASE_UPDATED,
    CASE_STATUS_CHANGED,
    CASE_RESOLVED,
    CASE_REOPENED,
    CASE_DELETED,
    CASE_RESTORED,
    CASE_PURGED,
    CASE_RESYNCED,
  ],
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
  /** A recorded order and the survivor it counts for, for attribution. */
  order: { data: OrderRecordedDataV1; survivor: string | null } | null;
}

const NOTHING: Applied = { contactId: null, complaintOpened: [], complaintsCleared: [], order: null };

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
      case CONTACT_MERGED: {
        const { data } = event as ContactMergedV1;
        const survivor = await this.contacts.applyMerge(em, tenantId, event as ContactMergedV1);
        if (survivor) await exitRunsOf(em, tenantId, data.mergedIds, 'MERGED');
        return NOTHING;
      }
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
        return caseApplied(await this.cases.apply(em, tenantId, event));
      // Edits, status changes and deletions are no journey triggers: only the counts follow them.
      case CASE_UPDATED:
      case CASE_STATUS_CHANGED:
      case CASE_RESYNCED:
      case CASE_DELETED:
      case CASE_RESTORED:
      case CASE_PURGED:
        return caseApplied(await this.cases.apply(em, tenantId, event), false);
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
      case ORDER_RECORDED: {
        const { data } = event as OrderRecordedV1;
        const survivor = await this.analytics.applyOrder(em, tenantId, data, event.occurredAt);
        return { ...NOTHING, contactId: survivor, order: { data, survivor } };
      }
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

import {
  CASE_ASSIGNED,
  CASE_DELETED,
  CASE_OPENED,
  CASE_PURGED,
  CASE_REOPENED,
  CASE_RESOLVED,
  CASE_RESTORED,
  CONSENT_CHANGED,
  MESSAGE_SENT,
  ORDER_RECORDED,
  type CaseAssignedV1,
  type CaseOpenedV1,
  type CaseReopenedV1,
  type CaseResolvedV1,
  type CaseSnapshotV1,
  type ConsentChangedV1,
  type EventEnvelope,
  type MessageEventV1,
  type OrderRecordedV1,
  type RecordDeletedDataV1,
} from '@rapport/contracts';
import type { TimelineKind } from './timeline-recorder';

/**
 * What sales does with another service's event for the timeline (ADR 045):
 * the owning service publishes what happened; sales keeps one line per
 * happening, pointing at the record (`refId`) that stays the owner's. Entries
 * are history (a case was opened at T), so they never go stale; what may
 * change — who owns a case (for sharing), whether it is deleted — follows the
 * owner's events.
 */
export type ElsewhereChange =
  | {
      op: 'record';
      kind: TimelineKind;
      occurredAt: Date;
      summary: string;
      refId: string;
      refOwnerId: string | null;
      contactId: string | null;
      /** Given by the event (a case names its account); null: the contact's account, looked up. */
      accountId: string | null;
      /** Orders and cases are the account's business too; messages and consents only the person's. */
      onAccount: boolean;
      /** Record only if the ref has no entry of this kind yet (an order's line, from whichever event first names its customer). */
      once?: boolean;
    }
  | { op: 'owner'; refId: string; ownerId: string | null }
  | { op: 'withdraw' | 'restore' | 'purge'; refId: string };

/** Event types of each producer the timeline listens to. */
export const ELSEWHERE_EVENTS = {
  SERVICE: [CASE_OPENED, CASE_RESOLVED, CASE_REOPENED, CASE_ASSIGNED, CASE_DELETED, CASE_RESTORED, CASE_PURGED],
  ANALYTICS: [ORDER_RECORDED],
  MARKETING: [MESSAGE_SENT, CONSENT_CHANGED],
} as const;

const human = (code: string) => code.toLowerCase().replace(/_/g, ' ');

function caseEntry(kind: TimelineKind, snapshot: CaseSnapshotV1, at: string, verb: string): ElsewhereChange {
  return {
    op: 'record',
    kind,
    occurredAt: new Date(at),
    summary: `Case ${verb}: ${snapshot.subject}`,
    refId: snapshot.id,
    refOwnerId: snapshot.ownerId,
    contactId: snapshot.contactId,
    accountId: snapshot.accountId,
    onAccount: true,
  };
}

/** The timeline change an event asks for; null for events that add nothing (an order's later correction, a guest order). */
export function elsewhereChange(event: EventEnvelope): ElsewhereChange | null {
  switch (event.type) {
    case CASE_OPENED: {
      const c = (event as CaseOpenedV1).data.case;
      return caseEntry('CASE_OPENED', c, c.createdAt, 'opened');
    }
    case CASE_RESOLVED: {
      const d = (event as CaseResolvedV1).data;
      return caseEntry('CASE_RESOLVED', d.case, d.resolvedAt, 'resolved');
    }
    case CASE_REOPENED: {
      const d = (event as CaseReopenedV1).data;
      return caseEntry('CASE_REOPENED', d.case, d.reopenedAt, 'reopened');
    }
    case CASE_ASSIGNED: {
      const d = (event as CaseAssignedV1).data;
      return { op: 'owner', refId: d.caseId, ownerId: d.ownerId };
    }
    case CASE_DELETED:
      return { op: 'withdraw', refId: (event.data as RecordDeletedDataV1).id };
    case CASE_RESTORED:
      return { op: 'restore', refId: (event.data as RecordDeletedDataV1).id };
    case CASE_PURGED:
      return { op: 'purge', refId: (event.data as RecordDeletedDataV1).id };
    case ORDER_RECORDED: {
      const o = (event as OrderRecordedV1).data;
      // An order placed before analytics knew its customer is announced CREATED without one, then UPDATED once it is
      // matched: the line comes from whichever first names the customer, once per order.
      if (!o.contactId) return null;
      const status = o.status === 'PLACED' ? '' : ` (${human(o.status)})`;
      return {
        op: 'record',
        kind: 'ORDER_PLACED',
        occurredAt: new Date(o.occurredAt),
        summary: `Order ${o.externalOrderId} from ${o.source}: ${o.amount} ${o.currency}${status}`,
        refId: o.orderId,
        refOwnerId: null,
        contactId: o.contactId,
        accountId: null,
        onAccount: true,
        // A CREATED event is an order's first: only a later UPDATED can find its line already there.
        once: o.change === 'UPDATED',
      };
    }
    case MESSAGE_SENT: {
      const m = (event as MessageEventV1).data;
      const what = m.campaignId ? 'Campaign' : 'Journey';
      return {
        op: 'record',
        kind: 'MESSAGE_SENT',
        occurredAt: new Date(m.occurredAt),
        summary: `${what} ${m.channel === 'EMAIL' ? 'email' : m.channel === 'SMS' ? 'SMS' : 'push message'} sent`,
        refId: m.messageId,
        refOwnerId: null,
        contactId: m.contactId,
        accountId: null,
        onAccount: false,
      };
    }
    case CONSENT_CHANGED: {
      const c = (event as ConsentChangedV1).data;
      const channel = c.channel === 'SMS' ? 'SMS' : human(c.channel);
      return {
        op: 'record',
        kind: 'CONSENT_CHANGED',
        occurredAt: new Date(c.changedAt),
        summary: `Consent for ${human(c.purpose)} by ${channel}: ${human(c.status)} (${c.source})`,
        refId: c.contactId,
        refOwnerId: null,
        contactId: c.contactId,
        accountId: null,
        onAccount: false,
      };
    }
    default:
      return null;
  }
}

import type { Principal } from '@rapport/auth';
import {
  CASE_ASSIGNED,
  CASE_ESCALATED,
  CASE_OPENED,
  CASE_RATED,
  CASE_REOPENED,
  CASE_RESOLVED,
  CASE_SLA_BREACHED,
  CASE_SLA_WARNING,
  CASE_STATUS_CHANGED,
  CASE_UPDATED,
  CONTACT_MERGED,
  CONTACT_UNMERGED,
  CONTACT_UPDATED,
  CUSTOMER_VALUE_CHANGED,
  NOTIFICATION_CREATED,
  type EventEnvelope,
} from '@rapport/contracts';

/** One field of the query that answers an event, with its arguments (GraphQL type and value). */
export interface QueryStep {
  field: string;
  args?: Readonly<Record<string, { type: string; value: unknown }>>;
}

/** What the resolved payload must show for the event to concern the subscriber (caseUpdated's filter, when the event does not say). */
export interface ResolvedFilter {
  queueId?: string;
  contactId?: string;
}

/**
 * How one Subscription field is served: which subscribers an event reaches
 * (routing keys, so an event costs a map look-up, not a scan of every
 * subscriber), and which query answers it for each of them.
 */
export interface SubscriptionField {
  /** Why this principal may not subscribe at all (null: it may; the queries decide the rest). */
  refusal(principal: Principal): string | null;
  /** The routing key a subscriber with these arguments listens on. */
  keyOf(principal: Principal, args: SubscriptionArgs): string;
  /** The routing keys an event reaches; empty when it is not about this field. */
  keysOf(event: EventEnvelope): string[];
  /** True/false when the event alone decides; otherwise what the resolved payload must show. */
  concerns(event: EventEnvelope, args: SubscriptionArgs): boolean | ResolvedFilter;
  /** The query that answers the event. */
  answer(event: EventEnvelope, args: SubscriptionArgs): QueryStep[];
  /** For a subscription to one customer: the contact the caller must be able to read when subscribing. */
  mustRead?(args: SubscriptionArgs): string;
}

export type SubscriptionArgs = Readonly<Record<string, unknown>>;

/**
 * The NATS subjects (below the run's prefix) the gateway follows: every event
 * type some subscription field routes. One filter per ordered consumer
 * (NATS 2.9 has no multi-subject filters).
 */
export const FOLLOWED_SUBJECTS = ['sales.contact.>', 'service.case.>', CUSTOMER_VALUE_CHANGED, NOTIFICATION_CREATED] as const;

const id = (value: unknown) => ({ type: 'ID!', value });
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const strings = (...values: unknown[]): string[] => values.flatMap((v) => (Array.isArray(v) ? v.filter(isString) : isString(v) ? [v] : []));
function isString(v: unknown): v is string {
  return typeof v === 'string';
}
const dataOf = (event: EventEnvelope) => (event.data ?? {}) as Record<string, any>;

const contactChanged: SubscriptionField = {
  refusal: () => null,
  keyOf: (p, args) => `contact:${p.tenantId}:${String(args.id)}`,
  keysOf(event) {
    const data = dataOf(event);
    let ids: string[] = [];
    if (event.type === CONTACT_UPDATED) ids = [event.subjectId];
    // A merge changes the survivor and folds the others into it; an unmerge gives them back.
    else if (event.type === CONTACT_MERGED) ids = strings(data.survivorId, data.mergedIds);
    else if (event.type === CONTACT_UNMERGED) ids = strings(data.survivorId, data.restoredIds);
    return ids.map((c) => `contact:${event.tenantId}:${c}`);
  },
  concerns: () => true,
  answer: (_event, args) => [{ field: 'contact', args: { id: id(args.id) } }],
  mustRead: (args) => String(args.id),
};

const CASE_TYPES: ReadonlySet<string> = new Set([
  CASE_OPENED,
  CASE_UPDATED,
  CASE_ASSIGNED,
  CASE_STATUS_CHANGED,
  CASE_RESOLVED,
  CASE_REOPENED,
  CASE_ESCALATED,
  CASE_SLA_WARNING,
  CASE_SLA_BREACHED,
  CASE_RATED,
]);

/** The queues and contacts an event about a case names; null where the event does not say. */
export function caseEventNames(event: EventEnvelope): { queueIds: (string | null)[] | null; contactIds: (string | null)[] | null } {
  const data = dataOf(event);
  if (data.case && typeof data.case === 'object') return { queueIds: [str(data.case.queueId)], contactIds: [str(data.case.contactId)] };
  switch (event.type) {
    case CASE_ASSIGNED:
    case CASE_SLA_WARNING:
    case CASE_SLA_BREACHED:
      return { queueIds: [str(data.queueId)], contactIds: null };
    case CASE_ESCALATED:
      return { queueIds: [str(data.fromQueueId), str(data.toQueueId)], contactIds: null };
    case CASE_RATED:
      return { queueIds: null, contactIds: [str(data.contactId)] };
    default:
      return { queueIds: null, contactIds: null };
  }
}

const caseUpdated: SubscriptionField = {
  refusal: () => null,
  keyOf: (p) => `case:${p.tenantId}`,
  keysOf: (event) => (CASE_TYPES.has(event.type) ? [`case:${event.tenantId}`] : []),
  concerns(event, args) {
    const filter = (args.filter ?? {}) as { queueId?: string | null; contactId?: string | null };
    const named = caseEventNames(event);
    const unresolved: ResolvedFilter = {};
    if (filter.queueId) {
      if (!named.queueIds) unresolved.queueId = filter.queueId;
      else if (!named.queueIds.includes(filter.queueId)) return false;
    }
    if (filter.contactId) {
      if (!named.contactIds) unresolved.contactId = filter.contactId;
      else if (!named.contactIds.includes(filter.contactId)) return false;
    }
    return unresolved.queueId || unresolved.contactId ? unresolved : true;
  },
  answer: (event) => [{ field: 'case', args: { id: id(event.subjectId) } }],
};

const customerValueChanged: SubscriptionField = {
  refusal: () => null,
  keyOf: (p, args) => `value:${p.tenantId}:${String(args.contactId)}`,
  keysOf: (event) =>
    event.type === CUSTOMER_VALUE_CHANGED ? [`value:${event.tenantId}:${str(dataOf(event).contactId) ?? event.subjectId}`] : [],
  concerns: () => true,
  answer: (_event, args) => [{ field: 'contact', args: { id: id(args.contactId) } }, { field: 'value' }],
  mustRead: (args) => String(args.contactId),
};

const myNotifications: SubscriptionField = {
  refusal: (p) => (p.kind === 'user' ? null : 'notifications are for signed-in staff'),
  keyOf: (p) => `notification:${p.tenantId}:${p.id}`,
  keysOf(event) {
    if (event.type !== NOTIFICATION_CREATED) return [];
    const recipient = str(dataOf(event).notification?.recipientId);
    return recipient ? [`notification:${event.tenantId}:${recipient}`] : [];
  },
  concerns: () => true,
  answer: (event) => [{ field: 'notification', args: { id: id(str(dataOf(event).notification?.id) ?? event.subjectId) } }],
};

/** The Subscription type's fields (subscription.graphql), by name. */
export const SUBSCRIPTION_FIELDS: Readonly<Record<string, SubscriptionField>> = {
  contactChanged,
  caseUpdated,
  customerValueChanged,
  myNotifications,
};

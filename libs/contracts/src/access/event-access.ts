import type { FieldGroup } from './field-access';

/**
 * What an event delivered outside the platform (a webhook today, a GraphQL
 * subscription later) reveals, in the terms of the access model: the field
 * group a receiver must be able to READ to get the event at all, and the
 * parts of `data` governed by another group, removed for a receiver who may
 * not read that one. Paths are dot-separated keys under `data`.
 *
 * Only the types listed here leave the platform: a new event type is private
 * until someone decides what it reveals.
 */
export interface EventAccessRule {
  group: FieldGroup;
  /** API-key scope resource when it is not the group's own (accounts share PROFILE with contacts). */
  scopeResource?: string;
  fields?: Readonly<Record<string, FieldGroup>>;
}

const CONTACT_FIELDS = { 'contact.emails': 'CONTACT_DETAILS', 'contact.phones': 'CONTACT_DETAILS' } as const;
const profile: EventAccessRule = { group: 'PROFILE' };
const account: EventAccessRule = { group: 'PROFILE', scopeResource: 'accounts' };
const opportunity: EventAccessRule = { group: 'OPPORTUNITIES' };
const quote: EventAccessRule = { group: 'QUOTES' };
const kase: EventAccessRule = { group: 'CASES' };

export const EVENT_ACCESS: Readonly<Record<string, EventAccessRule>> = {
  'sales.contact.created': { group: 'PROFILE', fields: CONTACT_FIELDS },
  'sales.contact.updated': { group: 'PROFILE', fields: CONTACT_FIELDS },
  'sales.contact.merged': profile,
  'sales.contact.unmerged': profile,
  // Deletion events carry ids and times only (RecordDeletedDataV1): the record's own group decides, with no
  // field to remove. Leads, activities and products have no deliverable events, so neither are their deletions.
  'sales.contact.deleted': profile,
  'sales.contact.restored': profile,
  'sales.contact.purged': profile,
  'sales.account.created': account,
  'sales.account.updated': account,
  'sales.account.merged': account,
  'sales.account.unmerged': account,
  'sales.account.deleted': account,
  'sales.account.restored': account,
  'sales.account.purged': account,
  'sales.opportunity.created': opportunity,
  'sales.opportunity.updated': opportunity,
  'sales.opportunity.stage_changed': opportunity,
  'sales.opportunity.won': opportunity,
  'sales.opportunity.lost': opportunity,
  'sales.opportunity.deleted': opportunity,
  'sales.opportunity.restored': opportunity,
  'sales.opportunity.purged': opportunity,
  'sales.quote.sent': quote,
  'sales.quote.accepted': quote,
  'service.case.opened': kase,
  'service.case.updated': kase,
  'service.case.assigned': kase,
  'service.case.resolved': kase,
  'service.case.reopened': kase,
  'service.case.escalated': kase,
  'service.case.sla_warning': kase,
  'service.case.sla_breached': kase,
  'service.case.rated': kase,
  'service.case.deleted': kase,
  'service.case.restored': kase,
  'service.case.purged': kase,
  'analytics.customer.value_changed': { group: 'VALUE' },
  'analytics.customer.tier_changed': { group: 'VALUE' },
  'analytics.customer.churn_risk_changed': { group: 'VALUE' },
  'analytics.customer.rfm_changed': { group: 'RFM' },
  'marketing.consent.changed': { group: 'CONSENTS' },
};

/** The event types that may be delivered outside the platform, sorted. */
export const DELIVERABLE_EVENT_TYPES: readonly string[] = Object.keys(EVENT_ACCESS).sort();

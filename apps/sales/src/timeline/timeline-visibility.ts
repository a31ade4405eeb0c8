import { scopePredicate, type RecordScope } from '@rapport/auth';
import type { ActivityTargetScopes } from '../activities/activity-visibility';
import type { TimelineKind } from './timeline-recorder';

/** What kind of record each timeline entry's `ref_id` names. */
type Ref = 'opportunity' | 'quote' | 'lead' | 'activity' | 'case' | 'order' | 'message' | 'consent';

const REF_OF: Record<TimelineKind, Ref> = {
  ACTIVITY_CREATED: 'activity',
  ACTIVITY_COMPLETED: 'activity',
  OPPORTUNITY_CREATED: 'opportunity',
  OPPORTUNITY_STAGE_CHANGED: 'opportunity',
  OPPORTUNITY_WON: 'opportunity',
  OPPORTUNITY_LOST: 'opportunity',
  LEAD_CONVERTED: 'lead',
  QUOTE_SENT: 'quote',
  QUOTE_ACCEPTED: 'quote',
  CASE_OPENED: 'case',
  CASE_RESOLVED: 'case',
  CASE_REOPENED: 'case',
  ORDER_PLACED: 'order',
  MESSAGE_SENT: 'message',
  CONSENT_CHANGED: 'consent',
};

const ACTIVITY_TARGET_TABLE = { LEAD: 'leads', CONTACT: 'contacts', ACCOUNT: 'accounts', OPPORTUNITY: 'opportunities' } as const;

/**
 * What a reader may see of the records timeline entries are about: a read
 * scope per kind, or null where their role may not read that kind at all
 * (a support agent reads no deals; only the sales team reads leads).
 */
export interface TimelineReader {
  opportunities: RecordScope | null;
  /** A quote is seen with its opportunity: the opportunities' scope, null without the QUOTES field group. */
  quotes: RecordScope | null;
  leads: RecordScope | null;
  activityTargets: ActivityTargetScopes;
  /**
   * Entries other services report: cases by the CASES group and the CASE
   * sharing rule (on the case's owner, which sales keeps from service's
   * events); orders, campaign messages and consent changes by the ORDERS,
   * MARKETING_PROFILE and CONSENTS groups.
   */
  cases: RecordScope | null;
  orders: boolean;
  messages: boolean;
  consents: boolean;
}

/**
 * The predicate (on timeline entries aliased `t`) that keeps only entries
 * whose record the reader may see, so a visible contact's timeline never
 * names a private deal, a lead or a note about a hidden record; and its
 * named parameters. Kinds the reader sees entirely add nothing.
 */
export function timelineVisible(reader: TimelineReader): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = {};
  const owned = (scope: RecordScope, column: string, name: string): string => {
    const predicate = scopePredicate(scope, column, `:${name}`);
    if (!predicate || scope.all) return 'TRUE';
    params[name] = scope.ownerIds;
    return predicate;
  };
  const about: Record<Ref, string> = {
    opportunity: !reader.opportunities
      ? 'FALSE'
      : reader.opportunities.all
        ? 'TRUE'
        : `EXISTS (SELECT 1 FROM opportunities o WHERE o.id = t.ref_id AND ${owned(reader.opportunities, 'o.owner_id', 'tlOpportunityOwners')})`,
    quote: !reader.quotes
      ? 'FALSE'
      : reader.quotes.all
        ? 'TRUE'
        : `EXISTS (SELECT 1 FROM quotes q JOIN opportunities qo ON qo.id = q.opportunity_id
                    WHERE q.id = t.ref_id AND ${owned(reader.quotes, 'qo.owner_id', 'tlQuoteOwners')})`,
    lead: !reader.leads
      ? 'FALSE'
      : reader.leads.all
        ? 'TRUE'
        : `EXISTS (SELECT 1 FROM leads l WHERE l.id = t.ref_id AND ${owned(reader.leads, 'l.owner_id', 'tlLeadOwners')})`,
    activity: activityVisible(reader.activityTargets, owned),
    case: !reader.cases ? 'FALSE' : reader.cases.all ? 'TRUE' : owned(reader.cases, 't.ref_owner_id', 'tlCaseOwners'),
    order: reader.orders ? 'TRUE' : 'FALSE',
    message: reader.messages ? 'TRUE' : 'FALSE',
    consent: reader.consents ? 'TRUE' : 'FALSE',
  };
  const hidden = (Object.keys(about) as Ref[]).filter((ref) => about[ref] !== 'TRUE');
  if (hidden.length === 0) return { sql: 'TRUE', params };
  const kinds = (ref: Ref) => (Object.keys(REF_OF) as TimelineKind[]).filter((k) => REF_OF[k] === ref);
  const branches = hidden.map(
    (ref) =>
      `WHEN t.kind IN (${kinds(ref)
        .map((k) => `'${k}'`)
        .join(', ')}) THEN ${about[ref]}`,
  );
  return { sql: `(CASE ${branches.join(' ')} ELSE TRUE END)`, params };
}

/** An activity entry is visible when the activity's target is (as for the activity itself). */
function activityVisible(scopes: ActivityTargetScopes, owned: (scope: RecordScope, column: string, name: string) => string): string {
  const restricted = (Object.keys(ACTIVITY_TARGET_TABLE) as (keyof typeof ACTIVITY_TARGET_TABLE)[]).filter((type) => !scopes[type].all);
  if (restricted.length === 0) return 'TRUE';
  const checks = restricted.map(
    (type) =>
      `(a.target_type <> '${type}' OR EXISTS (SELECT 1 FROM ${ACTIVITY_TARGET_TABLE[type]} x WHERE x.id = a.target_id
         AND ${owned(scopes[type], 'x.owner_id', `tlActivity${type}Owners`)}))`,
  );
  return `EXISTS (SELECT 1 FROM activities a WHERE a.id = t.ref_id AND ${checks.join(' AND ')})`;
}

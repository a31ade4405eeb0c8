import type { CaseCategoryV1, CasePriorityV1, SlaKindV1 } from '@rapport/contracts';

/**
 * A tenant's escalation rules (ADR 051): plain data, stored as one JSON
 * document per tenant and replaced as a whole, so a rule set is always one
 * that passed validation. Rules are independent of each other; within a
 * rule, levels fire in order, each at most once per case.
 */

/** SLA states a rule can ask for; PAUSED and MET are not escalation material. */
export const RULE_SLA_STATES = ['OK', 'WARNING', 'BREACHED'] as const;
export type RuleSlaState = (typeof RULE_SLA_STATES)[number];

export interface SlaCondition {
  kind: SlaKindV1;
  /** Any of these. */
  states: RuleSlaState[];
}

/** Every condition given must hold; a list matches when the case's value is one of it. */
export interface EscalationConditions {
  priorities?: CasePriorityV1[];
  /** Customer value tiers (lower case); the case's tier at opening. */
  tiers?: string[];
  categories?: CaseCategoryV1[];
  queueIds?: string[];
  /** Wall-clock minutes since the case opened, at least. */
  openMinutesAtLeast?: number;
  sla?: SlaCondition[];
}

export const ACTION_TYPES = ['REASSIGN', 'CHANGE_QUEUE', 'RAISE_PRIORITY', 'NOTIFY', 'ADD_INTERNAL_COMMENT'] as const;
export type EscalationActionType = (typeof ACTION_TYPES)[number];

export const NOTIFY_ROLES = ['ASSIGNEE', 'QUEUE_MANAGER'] as const;
export type NotifyRole = (typeof NOTIFY_ROLES)[number];

export type EscalationAction =
  | { type: 'REASSIGN'; userId: string }
  /** To a queue, or (toEscalationQueue) to the escalation queue of the case's SLA policy, keeping the queue when it has none. */
  | { type: 'CHANGE_QUEUE'; queueId?: string; toEscalationQueue?: boolean }
  /** One step up, or up to `priority` (never down). */
  | { type: 'RAISE_PRIORITY'; priority?: CasePriorityV1 }
  /** In-app always; `email` sends it by email too, whatever the recipient's preference. */
  | { type: 'NOTIFY'; recipients?: NotifyRole[]; userIds?: string[]; email?: boolean }
  | { type: 'ADD_INTERNAL_COMMENT'; body: string };

export interface EscalationLevel {
  /** Wall-clock minutes after the rule's conditions came to hold. */
  afterMinutes: number;
  actions: EscalationAction[];
}

export interface EscalationRule {
  /** Stable within the tenant: fired levels are remembered per case under it. */
  key: string;
  name: string;
  conditions: EscalationConditions;
  levels: EscalationLevel[];
}

/** The keys the built-in rules carry; escalations recorded before rules existed were backfilled with them. */
export const DEFAULT_RULE_KEYS: Record<SlaKindV1, string> = {
  FIRST_RESPONSE: 'sla-first-response-breach',
  RESOLUTION: 'sla-resolution-breach',
};

const breachRule = (kind: SlaKindV1, name: string): EscalationRule => ({
  key: DEFAULT_RULE_KEYS[kind],
  name,
  conditions: { sla: [{ kind, states: ['BREACHED'] }] },
  levels: [
    {
      afterMinutes: 0,
      actions: [
        { type: 'RAISE_PRIORITY' },
        { type: 'CHANGE_QUEUE', toEscalationQueue: true },
        { type: 'NOTIFY', recipients: ['QUEUE_MANAGER'] },
      ],
    },
  ],
});

/**
 * What every tenant starts with, and what a tenant without a stored set
 * gets: the fixed escalation this feature replaced — on each clock's breach
 * one priority step up, into the policy's escalation queue, its manager told.
 */
export const DEFAULT_ESCALATION_RULES: readonly EscalationRule[] = [
  breachRule('FIRST_RESPONSE', 'First response breached'),
  breachRule('RESOLUTION', 'Resolution breached'),
];

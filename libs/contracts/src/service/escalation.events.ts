import type { EventEnvelope } from '../envelope';

/**
 * A tenant's escalation rules were replaced (subjectId = the tenant), in the
 * transaction that stored them: the whole rule set as it now stands, with
 * its revision (ADR 051). The rules are plain JSON as the API shows them.
 */
export const ESCALATION_RULES_CHANGED = 'service.escalation_rules.changed' as const;
export type EscalationRulesChangedV1 = EventEnvelope<
  typeof ESCALATION_RULES_CHANGED,
  { revision: number; rules: unknown[]; reset: boolean }
>;

import { returnedRows } from '@rapport/persistence';
import type { CasePriorityV1, SlaKindV1 } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';
import { DEFAULT_ESCALATION_RULES, type EscalationRule } from './escalation-rules';

/**
 * The escalation feature's tables: the tenant's rule set (one row, replaced
 * as a whole) and the levels fired per case (`case_escalations`, one row per
 * case, rule and level — the uniqueness that makes a level fire once).
 */

export interface EscalationRuleSet {
  rules: EscalationRule[];
  /** 0 for a tenant that has no stored set (it runs the default rules). */
  revision: number;
  updatedAt: Date | null;
}

/** The tenant's rules in force (the default rules when none are stored). */
export async function loadRuleSet(em: EntityManager): Promise<EscalationRuleSet> {
  const [row] = returnedRows<{ rules: EscalationRule[]; revision: number; updatedAt: Date }>(
    await em.query(`SELECT rules, revision, updated_at AS "updatedAt" FROM escalation_rule_sets LIMIT 1`),
  );
  return row ?? { rules: structuredClone(DEFAULT_ESCALATION_RULES) as EscalationRule[], revision: 0, updatedAt: null };
}

/** Replaces the tenant's rule set, one revision up; returns it as stored. */
export async function saveRuleSet(em: EntityManager, tenantId: string, rules: EscalationRule[], at: Date): Promise<EscalationRuleSet> {
  const [row] = returnedRows<EscalationRuleSet>(
    await em.query(
      `INSERT INTO escalation_rule_sets (tenant_id, rules, revision, updated_at) VALUES ($1, $2::jsonb, 1, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET rules = EXCLUDED.rules, revision = escalation_rule_sets.revision + 1, updated_at = EXCLUDED.updated_at
       RETURNING rules, revision, updated_at AS "updatedAt"`,
      [tenantId, JSON.stringify(rules), at],
    ),
  );
  return row;
}

/** A new tenant starts with the default rules (tenant preparation; a second delivery changes nothing). */
export async function createDefaultEscalationRules(em: EntityManager, tenantId: string): Promise<void> {
  await em.query(`INSERT INTO escalation_rule_sets (tenant_id, rules) VALUES ($1, $2::jsonb) ON CONFLICT (tenant_id) DO NOTHING`, [
    tenantId,
    JSON.stringify(DEFAULT_ESCALATION_RULES),
  ]);
}

/** The levels each rule has fired on the case. */
export async function firedLevels(em: EntityManager, caseId: string): Promise<Map<string, Set<number>>> {
  const rows = returnedRows<{ ruleKey: string; level: number }>(
    await em.query(`SELECT rule_key AS "ruleKey", level FROM case_escalations WHERE case_id = $1`, [caseId]),
  );
  const out = new Map<string, Set<number>>();
  for (const r of rows) (out.get(r.ruleKey) ?? out.set(r.ruleKey, new Set()).get(r.ruleKey))?.add(r.level);
  return out;
}

/** What became of one action of a fired level, kept with the escalation. */
export interface ActionOutcome {
  type: string;
  outcome: 'DONE' | 'UNCHANGED' | 'SKIPPED';
  detail?: string;
}

export interface EscalationClaim {
  id: string;
  tenantId: string;
  caseId: string;
  ruleKey: string;
  ruleName: string;
  level: number;
  kind: SlaKindV1 | null;
  fromPriority: CasePriorityV1;
  fromQueueId: string | null;
  at: Date;
}

/** Claims the level for the case; false when it fired before (a redelivered job, a restart, a race). */
export async function claimLevel(em: EntityManager, e: EscalationClaim): Promise<boolean> {
  const inserted = returnedRows(
    await em.query(
      `INSERT INTO case_escalations (id, tenant_id, case_id, rule_key, rule_name, level, kind, from_priority, to_priority, from_queue_id, to_queue_id, escalated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $9, $10) ON CONFLICT (case_id, rule_key, level) DO NOTHING RETURNING id`,
      [e.id, e.tenantId, e.caseId, e.ruleKey, e.ruleName, e.level, e.kind, e.fromPriority, e.fromQueueId, e.at],
    ),
  );
  return inserted.length > 0;
}

/** The level's result, once its actions ran. */
export async function completeLevel(
  em: EntityManager,
  id: string,
  result: { toPriority: CasePriorityV1; toQueueId: string | null; actions: ActionOutcome[] },
): Promise<void> {
  await em.query(`UPDATE case_escalations SET to_priority = $2, to_queue_id = $3, actions = $4::jsonb WHERE id = $1`, [
    id,
    result.toPriority,
    result.toQueueId,
    JSON.stringify(result.actions),
  ]);
}

import { type AuditRecorder, type OwnerDirectory } from '@rapport/service-kit';
import type { EventEnvelope } from '@rapport/contracts';
import { LEAD_UPDATED, SYSTEM_ACTOR } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { LeadEntity } from '../leads/lead.entity';
import { storeLeadScore } from '../leads/lead-score';
import { leadSnapshot } from '../leads/lead-snapshot';
import {
  evaluateScore,
  leadFacts,
  matchAssignmentRule,
  parseAssignmentRules,
  parseScoringRules,
  roundRobinPick,
  type ActivityCounts,
  type AssignmentRules,
  type ScoringRule,
} from './lead-rule-evaluation';

/** The tenant's scoring rules (the transaction's tenant, by RLS), or null when it has none. */
export async function loadScoringRules(em: EntityManager): Promise<ScoringRule[] | null> {
  const [row]: { rules: unknown }[] = await em.query(`SELECT rules FROM lead_scoring_rules`);
  return row ? parseScoringRules(row.rules) : null;
}

export async function loadAssignmentRules(em: EntityManager): Promise<AssignmentRules | null> {
  const [row]: { rules: unknown }[] = await em.query(`SELECT rules FROM lead_assignment_rules`);
  return row ? parseAssignmentRules(row.rules) : null;
}

export async function activityCountsOf(em: EntityManager, leadId: string): Promise<ActivityCounts> {
  const rows: { type: keyof ActivityCounts; total: number; completed: number }[] = await em.query(
    `SELECT type, count(*)::int AS total, (count(*) FILTER (WHERE completed_at IS NOT NULL))::int AS completed
       FROM activities WHERE target_type = 'LEAD' AND target_id = $1 GROUP BY type`,
    [leadId],
  );
  return Object.fromEntries(rows.map((r) => [r.type, { total: r.total, completed: r.completed }]));
}

/** The lead's score under the tenant's rules; without rules the given (manual) score stands. */
export async function scoreLead(em: EntityManager, lead: LeadEntity, manualScore: number): Promise<number> {
  const rules = await loadScoringRules(em);
  if (!rules) return manualScore;
  return evaluateScore(rules, leadFacts(lead), await activityCountsOf(em, lead.id));
}

/**
 * The owner for a lead captured without one: the first matching rule's
 * owner, else the next user in the tenant's round-robin. Users who can no
 * longer own records (deactivated in identity since the rules were set) are
 * passed over: a rule naming one does not match, and the round-robin runs
 * over the others. The position moves with one atomic UPDATE … RETURNING
 * (the row lock serialises concurrent captures), so N leads spread evenly
 * over the users.
 */
export async function assignOwner(em: EntityManager, lead: LeadEntity, owners: OwnerDirectory): Promise<string | null> {
  const rules = await loadAssignmentRules(em);
  if (!rules) return null;
  const active = await owners.activeStaff(em, [...new Set([...rules.rules.map((r) => r.ownerId), ...rules.roundRobinUserIds])]);
  const matched = matchAssignmentRule(
    rules.rules.filter((r) => active.has(r.ownerId)),
    leadFacts(lead),
  );
  const roundRobin = rules.roundRobinUserIds.filter((id) => active.has(id));
  if (matched || roundRobin.length === 0) return matched;
  const [row] = returnedRows<{ position: string }>(
    await em.query(
      `UPDATE lead_assignment_rules SET rr_position = rr_position + 1 WHERE tenant_id = $1 RETURNING rr_position - 1 AS position`,
      [lead.tenantId],
    ),
  );
  return row ? roundRobinPick(roundRobin, Number(row.position)) : null;
}

/**
 * Rescores a lead after one of its activities changed (e.g. a call was
 * completed), publishing sales.lead.updated when the score moved and
 * auditing the change as the system's (the rules moved the score, not the
 * caller, whose own entry is about the activity). Converted leads are final
 * and keep their score.
 */
export async function rescoreLead(
  em: EntityManager,
  leadId: string,
  publish: (em: EntityManager, event: EventEnvelope) => Promise<void>,
  audit: AuditRecorder,
  cause: { activityId: string },
): Promise<LeadEntity | null> {
  const lead = await em.getRepository(LeadEntity).findOne({ where: { id: leadId }, lock: { mode: 'pessimistic_write' } });
  if (!lead || lead.status === 'CONVERTED') return lead;
  const score = await scoreLead(em, lead, lead.score);
  if (score === lead.score) return lead;
  const after = Object.assign(new LeadEntity(), lead, { score, updatedAt: new Date() });
  await storeLeadScore(em, lead.id, score, after.updatedAt);
  await publish(
    em,
    newEvent({
      type: LEAD_UPDATED,
      tenantId: lead.tenantId,
      actor: SYSTEM_ACTOR,
      subjectId: lead.id,
      data: { lead: leadSnapshot(after), changed: ['score'] },
    }),
  );
  await audit.recordAutomation(em, {
    tenantId: lead.tenantId,
    action: 'lead.rescored',
    objectType: 'Lead',
    objectId: lead.id,
    changes: { score: { before: lead.score, after: score } },
    details: { reason: 'scoring rules', activityId: cause.activityId },
  });
  return after;
}

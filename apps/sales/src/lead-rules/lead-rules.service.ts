import { Injectable } from '@nestjs/common';
import { forbidden, requireRole, type Principal } from '@rapport/auth';
import { OwnerDirectory, ServiceDatabase } from '@rapport/service-kit';
import { requireSalesRead } from '../access/sales-access';
import { publishSettingsChanged } from '../settings/settings-changed';
import { loadAssignmentRules, loadScoringRules } from './lead-automation';
import {
  parseAssignmentRules,
  parseScoringRules,
  type AssignmentRules,
  type ScoringRule,
  type ScoringRuleInput,
} from './lead-rule-evaluation';

/** Rules shape how the whole team works its leads: managers and admins set them. */
function requireRulesAdmin(principal: Principal): void {
  if (principal.kind !== 'user') throw forbidden('lead rules are set by sales managers and admins');
  requireRole(principal, 'sales_manager');
}

/** Tenant lead scoring and assignment rules, stored as validated JSON (one row per tenant). */
@Injectable()
export class LeadRulesService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly owners: OwnerDirectory,
  ) {}

  /** Replaces the scoring rules; an empty list means scores are set by hand again. Leads are rescored on their next change. */
  async setScoringRules(principal: Principal, input: { rules: ScoringRuleInput[] }): Promise<ScoringRule[]> {
    requireRulesAdmin(principal);
    const rules = parseScoringRules(input.rules);
    const by = principal.id;
    await this.db.withTenant(principal.tenantId, async (em) => {
      if (rules.length === 0) await em.query(`DELETE FROM lead_scoring_rules WHERE tenant_id = $1`, [principal.tenantId]);
      else
        await em.query(
          `INSERT INTO lead_scoring_rules (tenant_id, rules, updated_at, updated_by_id) VALUES ($1, $2::jsonb, now(), $3)
           ON CONFLICT (tenant_id) DO UPDATE SET rules = EXCLUDED.rules, updated_at = EXCLUDED.updated_at, updated_by_id = EXCLUDED.updated_by_id`,
          [principal.tenantId, JSON.stringify(rules), by],
        );
      await publishSettingsChanged(this.db, em, principal, 'leadScoringRules', rules);
    });
    return rules;
  }

  /**
   * Replaces the assignment rules; the round-robin position is kept (it is
   * taken modulo the user count). Every owner named must be an active staff
   * user of the tenant.
   */
  async setAssignmentRules(principal: Principal, input: unknown): Promise<AssignmentRules> {
    requireRulesAdmin(principal);
    const rules = parseAssignmentRules(input);
    const refs = [
      ...rules.rules.map((r, i) => ({ field: `rules[${i}].ownerId`, id: r.ownerId })),
      ...rules.roundRobinUserIds.map((id, i) => ({ field: `roundRobinUserIds[${i}]`, id })),
    ];
    await this.owners.awaitInFlight(
      principal,
      refs.map((r) => r.id),
    );
    await this.db.withTenant(principal.tenantId, async (em) => {
      await this.owners.requireOwners(em, principal, refs);
      await em.query(
        `INSERT INTO lead_assignment_rules (tenant_id, rules, updated_at, updated_by_id) VALUES ($1, $2::jsonb, now(), $3)
         ON CONFLICT (tenant_id) DO UPDATE SET rules = EXCLUDED.rules, updated_at = EXCLUDED.updated_at, updated_by_id = EXCLUDED.updated_by_id`,
        [principal.tenantId, JSON.stringify(rules), principal.id],
      );
      await publishSettingsChanged(this.db, em, principal, 'leadAssignmentRules', rules);
    });
    return rules;
  }

  async scoringRules(principal: Principal): Promise<ScoringRule[]> {
    requireSalesRead(principal, 'leads');
    return (await this.db.withTenant(principal.tenantId, loadScoringRules)) ?? [];
  }

  async assignmentRules(principal: Principal): Promise<AssignmentRules> {
    requireSalesRead(principal, 'leads');
    return (await this.db.withTenant(principal.tenantId, loadAssignmentRules)) ?? { rules: [], roundRobinUserIds: [] };
  }
}

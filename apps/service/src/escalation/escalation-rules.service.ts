import { Injectable } from '@nestjs/common';
import { actorOf, badUserInputs, type Principal } from '@rapport/auth';
import { ESCALATION_RULES_CHANGED } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { returnedRows } from '@rapport/persistence';
import { AuditRecorder, OwnerDirectory, ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { requireServiceAdmin, requireServiceConfigRead } from '../access/service-access';
import { DEFAULT_ESCALATION_RULES, type EscalationRule } from './escalation-rules';
import { loadRuleSet, saveRuleSet, type EscalationRuleSet } from './escalation-store';
import { checkRuleSet, type RuleProblem, type RuleReference } from './escalation-validation';

/**
 * Reading and replacing a tenant's escalation rules (ADR 051). A new set is
 * validated as a whole — its shape (pure), then the queues and users it
 * names — and only a set without problems replaces the one in force, so a
 * rejected change leaves the previous rules running. Like the other service
 * settings: support managers and admins change them, the team reads them.
 */
@Injectable()
export class EscalationRulesService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly owners: OwnerDirectory,
    private readonly audit: AuditRecorder,
  ) {}

  async ruleSet(principal: Principal): Promise<EscalationRuleSet> {
    requireServiceConfigRead(principal);
    return this.db.withTenant(principal.tenantId, (em) => loadRuleSet(em));
  }

  async setRules(principal: Principal, input: { rules: unknown }): Promise<EscalationRuleSet> {
    requireServiceAdmin(principal);
    const checked = checkRuleSet(input?.rules);
    if (!('rules' in checked)) throw badUserInputs(checked.problems);
    // A user created a moment ago may not have reached the service's projection yet (as for queue managers).
    await this.owners.awaitInFlight(
      principal,
      checked.references.filter((r) => r.kind === 'USER').map((r) => r.id),
    );
    return this.db.withTenant(principal.tenantId, async (em) => {
      const problems = await this.referenceProblems(em, principal, checked.references);
      if (problems.length > 0) throw badUserInputs(problems);
      return this.replace(em, principal, checked.rules, false);
    });
  }

  /** Back to the default rules (today's fixed breach escalation). */
  async resetRules(principal: Principal): Promise<EscalationRuleSet> {
    requireServiceAdmin(principal);
    return this.db.withTenant(principal.tenantId, (em) =>
      this.replace(em, principal, structuredClone(DEFAULT_ESCALATION_RULES) as EscalationRule[], true),
    );
  }

  /** Queues must exist in the tenant; users must be active staff of it (the check queue managers and owners get). */
  private async referenceProblems(em: EntityManager, principal: Principal, refs: RuleReference[]): Promise<RuleProblem[]> {
    const queueIds = [...new Set(refs.filter((r) => r.kind === 'QUEUE').map((r) => r.id))];
    const queues = new Set(
      returnedRows<{ id: string }>(await em.query(`SELECT id FROM support_queues WHERE id = ANY($1::uuid[])`, [queueIds])).map((q) => q.id),
    );
    const refusals = await this.owners.refusals(
      em,
      principal,
      refs.filter((r) => r.kind === 'USER').map((r) => r.id),
    );
    const problems: RuleProblem[] = [];
    for (const r of refs) {
      if (r.kind === 'QUEUE' && !queues.has(r.id)) problems.push({ field: r.field, message: `no support queue ${r.id} in this tenant` });
      const why = r.kind === 'USER' ? refusals.get(r.id) : undefined;
      if (why) problems.push({ field: r.field, message: why });
    }
    return problems;
  }

  private async replace(em: EntityManager, principal: Principal, rules: EscalationRule[], reset: boolean): Promise<EscalationRuleSet> {
    const before = await loadRuleSet(em);
    const saved = await saveRuleSet(em, principal.tenantId, rules, new Date());
    await this.db.publish(
      em,
      newEvent({
        type: ESCALATION_RULES_CHANGED,
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        subjectId: principal.tenantId,
        data: { revision: saved.revision, rules: saved.rules, reset },
      }),
    );
    await this.audit.record(em, {
      tenantId: principal.tenantId,
      objectType: 'EscalationRuleSet',
      objectId: principal.tenantId,
      changes: { rules: { before: before.rules, after: saved.rules } },
      details: { revision: saved.revision, reset },
    });
    return saved;
  }
}

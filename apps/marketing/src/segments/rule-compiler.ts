import { badUserInputs } from '@rapport/auth';
import type { EntityManager } from 'typeorm';
import { MarketingSettings, type RuleContext } from '../settings/marketing-settings';
import { compileRule, RuleValidationError, type CompiledRule, type CompileOptions } from './rules';

/** The SQL every audience starts from: survivors sales has told marketing about. */
export const AUDIENCE_BASE = `c.tenant_id = $1 AND c.merged_into IS NULL AND c.deleted_at IS NULL AND c.sales_updated_at IS NOT NULL`;

/**
 * Compiles a stored or submitted rule for this tenant (its tier order), with
 * the tenant as $1 so the rule's parameters start at $2. An invalid rule is
 * BAD_USER_INPUT naming the path of the first bad part, with every problem
 * in extensions.problems.
 */
export async function compileForTenant(
  em: EntityManager,
  settings: MarketingSettings,
  tenantId: string,
  rule: unknown,
  options: Partial<CompileOptions> & { rootPath: string },
  /** The tenant's rule context when the caller has it already (compiling many rules at once). */
  known?: RuleContext,
): Promise<CompiledRule> {
  const context = known ?? (await settings.ruleContext(em, tenantId));
  try {
    return compileRule(rule, { now: new Date(), paramOffset: 1, ...context, ...options });
  } catch (err) {
    if (err instanceof RuleValidationError) throw badUserInputs(err.errors.map((e) => ({ field: e.path, message: e.message })));
    throw err;
  }
}

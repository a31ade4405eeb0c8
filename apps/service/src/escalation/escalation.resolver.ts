import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import { EscalationRulesService } from './escalation-rules.service';

@Resolver('EscalationRuleSet')
export class EscalationRulesResolver {
  constructor(private readonly rules: EscalationRulesService) {}

  @Query('escalationRules')
  ruleSet(@CurrentPrincipal() principal: Principal) {
    return this.rules.ruleSet(principal);
  }

  @Mutation('setEscalationRules')
  async setRules(@CurrentPrincipal() principal: Principal, @Args('input') input: { rules: unknown }) {
    return { ruleSet: await this.rules.setRules(principal, input) };
  }

  @Mutation('resetEscalationRules')
  async resetRules(@CurrentPrincipal() principal: Principal) {
    return { ruleSet: await this.rules.resetRules(principal) };
  }
}

import { Args, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import type { AssignmentRules, ScoringRuleInput } from './lead-rule-evaluation';
import { LeadRulesService } from './lead-rules.service';

@Resolver()
export class LeadRulesResolver {
  constructor(private readonly rules: LeadRulesService) {}

  @Query('leadScoringRules')
  scoringRules(@CurrentPrincipal() principal: Principal) {
    return this.rules.scoringRules(principal);
  }

  @Query('leadAssignmentRules')
  assignmentRules(@CurrentPrincipal() principal: Principal) {
    return this.rules.assignmentRules(principal);
  }

  @Mutation('setLeadScoringRules')
  async setScoringRules(@CurrentPrincipal() principal: Principal, @Args('input') input: { rules: ScoringRuleInput[] }) {
    return { rules: await this.rules.setScoringRules(principal, input) };
  }

  @Mutation('setLeadAssignmentRules')
  async setAssignmentRules(@CurrentPrincipal() principal: Principal, @Args('input') input: unknown) {
    return { rules: await this.rules.setAssignmentRules(principal, input) };
  }
}

@Resolver('LeadAssignmentRules')
export class LeadAssignmentRulesResolver {
  @ResolveField('roundRobinUsers')
  roundRobinUsers(@Parent() rules: AssignmentRules) {
    return rules.roundRobinUserIds.map((id) => ({ __typename: 'User', id }));
  }
}

@Resolver('LeadAssignmentRule')
export class LeadAssignmentRuleResolver {
  @ResolveField('owner')
  owner(@Parent() rule: { ownerId: string }) {
    return { __typename: 'User', id: rule.ownerId };
  }
}

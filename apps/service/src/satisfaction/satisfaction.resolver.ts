import { Args, Context, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import type { CaseEntity } from '../cases/case.entity';
import { SatisfactionService } from './satisfaction.service';

@Resolver('Case')
export class SatisfactionResolver {
  constructor(private readonly satisfaction: SatisfactionService) {}

  @Mutation('rateCase')
  async rate(@CurrentPrincipal() principal: Principal, @Args('input') input: { caseId: string; rating: number; comment?: string | null }) {
    return { satisfaction: await this.satisfaction.rate(principal, input) };
  }

  @ResolveField('satisfaction')
  latest(@Parent() c: CaseEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'satisfactionByCase', (ids) => this.satisfaction.latest(principal, ids)).load(c.id);
  }
}

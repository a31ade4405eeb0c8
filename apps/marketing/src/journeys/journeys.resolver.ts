import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { type GraphQLRequestContext, type PageArgs, requestLoader } from '@rapport/service-kit';
import type { CreateJourneyInput } from './journey-input';
import type { JourneyView } from './journey-view';
import { JourneysService, type EnrollmentView } from './journeys.service';

@Resolver('Journey')
export class JourneysResolver {
  constructor(private readonly journeys: JourneysService) {}

  @Query('journey')
  get(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.journeys.get(principal, id);
  }

  @Query('journeys')
  list(@CurrentPrincipal() principal: Principal, @Args() args: PageArgs) {
    return this.journeys.list(principal, args);
  }

  @Query('journeyEnrollments')
  enrollments(@CurrentPrincipal() principal: Principal, @Args() args: PageArgs & { journeyId: string; status?: string | null }) {
    return this.journeys.enrollments(principal, args);
  }

  @Mutation('createJourney')
  async create(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateJourneyInput) {
    return { journey: await this.journeys.create(principal, input) };
  }

  @Mutation('setJourneyStatus')
  setStatus(@CurrentPrincipal() principal: Principal, @Args('id') id: string, @Args('status') status: JourneyView['status']) {
    return this.journeys.setStatus(principal, id, status);
  }

  @ResolveField('enrollments')
  counts(@Parent() journey: JourneyView, @Context() context: GraphQLRequestContext) {
    return this.journeys.enrollmentCounts(requirePrincipal(context.principal), journey.id);
  }
}

@Resolver('JourneyEnrollment')
export class JourneyEnrollmentResolver {
  constructor(private readonly journeys: JourneysService) {}

  @ResolveField('journey')
  journey(@Parent() e: EnrollmentView, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'enrollmentJourneys', (ids) => this.journeys.getMany(principal, ids)).load(e.journeyId);
  }

  @ResolveField('contact')
  contact(@Parent() e: EnrollmentView) {
    return { __typename: 'Contact', id: e.contactId };
  }

  @ResolveField('history')
  history(@Parent() e: EnrollmentView, @Context() context: GraphQLRequestContext) {
    return this.journeys.history(requirePrincipal(context.principal), e.id);
  }
}

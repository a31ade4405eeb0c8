import { Args, Mutation, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import type { ActivityEntity } from './activity.entity';
import { ActivitiesService, type CreateActivityInput, type ListActivitiesArgs, type UpdateActivityInput } from './activities.service';

@Resolver('Activity')
export class ActivitiesResolver {
  constructor(private readonly activities: ActivitiesService) {}

  @Query('activity')
  activity(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.activities.get(principal, id);
  }

  @Query('activities')
  list(@CurrentPrincipal() principal: Principal, @Args() args: ListActivitiesArgs) {
    return this.activities.list(principal, args);
  }

  @Mutation('createActivity')
  async create(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateActivityInput) {
    return { activity: await this.activities.create(principal, input) };
  }

  @Mutation('updateActivity')
  async update(@CurrentPrincipal() principal: Principal, @Args('input') input: UpdateActivityInput) {
    return { activity: await this.activities.update(principal, input) };
  }

  @Mutation('completeActivity')
  async complete(@CurrentPrincipal() principal: Principal, @Args('input') input: { id: string }) {
    return { activity: await this.activities.complete(principal, input) };
  }

  @ResolveField('target')
  target(@Parent() a: ActivityEntity) {
    return { type: a.targetType, id: a.targetId };
  }

  @ResolveField('owner')
  owner(@Parent() a: ActivityEntity) {
    return a.ownerId ? { __typename: 'User', id: a.ownerId } : null;
  }

  @ResolveField('completedBy')
  completedBy(@Parent() a: ActivityEntity) {
    return a.completedById ? { __typename: 'User', id: a.completedById } : null;
  }

  @ResolveField('isOpen')
  isOpen(@Parent() a: ActivityEntity) {
    return a.completedAt === null;
  }

  @ResolveReference()
  resolveReference(@Parent() ref: { id: string }, @CurrentPrincipal() principal: Principal | null) {
    return this.activities.get(requirePrincipal(principal), ref.id);
  }
}

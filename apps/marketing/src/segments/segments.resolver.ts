import type { PageArgs } from '@rapport/service-kit';
import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import type { GraphQLRequestContext } from '@rapport/service-kit';
import { SegmentFields } from './segment-fields';
import { SegmentsService, type SegmentKind, type SegmentView } from './segments.service';

@Resolver('Segment')
export class SegmentsResolver {
  constructor(
    private readonly segments: SegmentsService,
    private readonly fields: SegmentFields,
  ) {}

  @Query('segments')
  list(@CurrentPrincipal() principal: Principal, @Args() args: PageArgs) {
    return this.segments.list(principal, args);
  }

  @Query('segment')
  get(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.segments.get(principal, id);
  }

  @Query('previewSegment')
  preview(@CurrentPrincipal() principal: Principal, @Args('rule') rule: unknown, @Args('first') first: number | null) {
    return this.segments.preview(principal, rule, first);
  }

  @Query('segmentFields')
  segmentFields(@CurrentPrincipal() principal: Principal) {
    return this.fields.list(principal);
  }

  @Mutation('createSegment')
  async create(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: { name: string; description?: string | null; kind?: SegmentKind | null; rule: unknown },
  ) {
    return { segment: await this.segments.create(principal, input) };
  }

  @Mutation('updateSegment')
  async update(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: { id: string; name?: string | null; description?: string | null; rule?: unknown },
  ) {
    return { segment: await this.segments.update(principal, input) };
  }

  @Mutation('refreshSegment')
  refresh(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.segments.refresh(principal, id);
  }

  @ResolveField('memberCount')
  memberCount(@Parent() segment: SegmentView, @Context() context: GraphQLRequestContext) {
    return this.segments.count(requirePrincipal(context.principal), segment);
  }

  @ResolveField('members')
  members(@Parent() segment: SegmentView, @Args() args: PageArgs, @Context() context: GraphQLRequestContext) {
    return this.segments.members(requirePrincipal(context.principal), segment, args);
  }
}

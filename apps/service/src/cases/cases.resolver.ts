import { Args, Context, Mutation, Parent, Query, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import type { CaseStatusV1 } from '@rapport/contracts';
import { requestLoader, type GraphQLRequestContext, AccessPolicy } from '@rapport/service-kit';
import { isStaff } from '../access/service-access';
import { RoutingService } from '../routing/routing.service';
import type { CaseCommentEntity } from './case-comment.entity';
import { CaseDetailsService } from './case-details.service';
import { CaseEditsService, type UpdateCaseInput } from './case-edits.service';
import type { CaseEntity } from './case.entity';
import { CasesService, type ListCasesArgs, type OpenCaseInput } from './cases.service';
import { CaseCustomers } from '../customers/case-customers';

const user = (id: string | null) => (id ? { __typename: 'User', id } : null);

@Resolver('Case')
export class CasesResolver {
  constructor(
    private readonly cases: CasesService,
    private readonly details: CaseDetailsService,
    private readonly edits: CaseEditsService,
    private readonly routing: RoutingService,
    private readonly access: AccessPolicy,
    private readonly customers: CaseCustomers,
  ) {}

  @Query('case')
  case(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.cases.get(principal, id);
  }

  @Query('cases')
  list(@CurrentPrincipal() principal: Principal, @Args() args: ListCasesArgs) {
    return this.cases.list(principal, args);
  }

  @Mutation('openCase')
  async open(@CurrentPrincipal() principal: Principal, @Args('input') input: OpenCaseInput) {
    return { case: await this.cases.open(principal, input) };
  }

  @Mutation('addCaseComment')
  addComment(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: { caseId: string; body: string; visibility?: 'PUBLIC' | 'INTERNAL' | null },
  ) {
    return this.cases.comment(principal, input);
  }

  @Mutation('changeCaseStatus')
  async changeStatus(@CurrentPrincipal() principal: Principal, @Args('input') input: { caseId: string; status: CaseStatusV1 }) {
    return { case: await this.cases.changeStatus(principal, input) };
  }

  @Mutation('updateCase')
  async update(@CurrentPrincipal() principal: Principal, @Args('input') input: UpdateCaseInput) {
    return { case: await this.edits.update(principal, input) };
  }

  @Mutation('assignCase')
  async assign(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: { caseId: string; queueId?: string | null; ownerId?: string | null },
  ) {
    return { case: await this.cases.assign(principal, input) };
  }

  /** Null once sales deleted the contact (the case keeps its history; contactDeleted says why). */
  @ResolveField('contact')
  async contact(@Parent() c: CaseEntity, @Context() context: GraphQLRequestContext) {
    if (!c.contactId || (await this.customers.deletedLoader(context, 'CONTACT').load(c.contactId))) return null;
    return { __typename: 'Contact', id: c.contactId };
  }

  @ResolveField('account')
  async account(@Parent() c: CaseEntity, @Context() context: GraphQLRequestContext) {
    if (!c.accountId || (await this.customers.deletedLoader(context, 'ACCOUNT').load(c.accountId))) return null;
    return { __typename: 'Account', id: c.accountId };
  }

  @ResolveField('owner')
  owner(@Parent() c: CaseEntity) {
    return user(c.ownerId);
  }

  /** A customer is never shown the value tier the team serves them by. */
  @ResolveField('tier')
  tier(@Parent() c: CaseEntity, @CurrentPrincipal() principal: Principal | null) {
    return isStaff(requirePrincipal(principal)) ? c.tier : null;
  }

  /** Queues are the team's internal organisation: customers get null. */
  @ResolveField('queue')
  queue(@Parent() c: CaseEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    if (!c.queueId || !isStaff(principal)) return null;
    return requestLoader(context, 'queueById', (ids) => this.routing.getQueues(principal, ids)).load(c.queueId);
  }

  @ResolveField('comments')
  async comments(@Parent() c: CaseEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    await this.access.require(principal, 'CASE_COMMENTS');
    return this.detail(context, 'commentsByCase', (ids) => this.details.comments(principal, ids)).load(c.id);
  }

  @ResolveField('statusHistory')
  statusHistory(@Parent() c: CaseEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return this.detail(context, 'historyByCase', (ids) => this.details.statusHistory(principal, ids)).load(c.id);
  }

  @ResolveField('escalations')
  escalations(@Parent() c: CaseEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return this.detail(context, 'escalationsByCase', (ids) => this.details.escalations(principal, ids)).load(c.id);
  }

  @ResolveField('assignments')
  assignments(@Parent() c: CaseEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return this.detail(context, 'assignmentsByCase', (ids) => this.details.assignments(principal, ids)).load(c.id);
  }

  /** SLA details are the team's business; customers get null. */
  @ResolveField('sla')
  sla(@Parent() c: CaseEntity, @CurrentPrincipal() principal: Principal | null) {
    if (!isStaff(requirePrincipal(principal)) || !c.slaPolicyId) return null;
    return c;
  }

  @ResolveReference()
  resolveReference(@Parent() ref: { id: string }, @CurrentPrincipal() principal: Principal | null) {
    return this.cases.get(requirePrincipal(principal), ref.id);
  }

  private detail<T>(context: GraphQLRequestContext, name: string, batch: (ids: readonly string[]) => Promise<Map<string, T[]>>) {
    return requestLoader<T[]>(context, name, batch);
  }
}

@Resolver('CaseComment')
export class CaseCommentResolver {
  @ResolveField('byCustomer')
  byCustomer(@Parent() m: CaseCommentEntity) {
    return m.authorKind === 'customer';
  }

  @ResolveField('author')
  author(@Parent() m: CaseCommentEntity) {
    return m.authorKind === 'user' ? user(m.authorId) : null;
  }
}

@Resolver('CaseAssignment')
export class CaseAssignmentResolver {
  constructor(private readonly routing: RoutingService) {}

  @ResolveField('queue')
  queue(@Parent() a: { queueId: string | null }, @Context() context: GraphQLRequestContext) {
    if (!a.queueId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'queueById', (ids) => this.routing.getQueues(principal, ids)).load(a.queueId);
  }

  @ResolveField('owner')
  owner(@Parent() a: { ownerId: string | null }) {
    return user(a.ownerId);
  }

  @ResolveField('previousOwner')
  previousOwner(@Parent() a: { previousOwnerId: string | null }) {
    return user(a.previousOwnerId);
  }
}

@Resolver('CaseEscalation')
export class CaseEscalationResolver {
  constructor(private readonly routing: RoutingService) {}

  /** Kept non-null for existing clients (ADR 051); `clock` says null honestly. */
  @ResolveField('kind')
  kind(@Parent() e: { kind: string | null }) {
    return e.kind ?? 'RESOLUTION';
  }

  @ResolveField('clock')
  clock(@Parent() e: { kind: string | null }) {
    return e.kind;
  }

  @ResolveField('fromQueue')
  fromQueue(@Parent() e: { fromQueueId: string | null }, @Context() context: GraphQLRequestContext) {
    return this.load(context, e.fromQueueId);
  }

  @ResolveField('toQueue')
  toQueue(@Parent() e: { toQueueId: string | null }, @Context() context: GraphQLRequestContext) {
    return this.load(context, e.toQueueId);
  }

  private load(context: GraphQLRequestContext, id: string | null) {
    if (!id) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'queueById', (ids) => this.routing.getQueues(principal, ids)).load(id);
  }
}

import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import type { CaseEntity } from '../cases/case.entity';
import { CasesService } from '../cases/cases.service';
import { InboundEmailReads, type InboundEmailView } from './inbound-email-reads.service';
import { InboundTriage } from './inbound-triage.service';

@Resolver('InboundEmail')
export class InboundEmailResolver {
  constructor(
    private readonly reads: InboundEmailReads,
    private readonly cases: CasesService,
    private readonly triage: InboundTriage,
  ) {}

  @Mutation('openCaseFromInboundEmail')
  openCaseFromInboundEmail(@CurrentPrincipal() principal: Principal, @Args('input') input: { inboundEmailId: string; contactId: string }) {
    return this.triage.openCase(principal, input);
  }

  @Query('supportEmailAddress')
  supportEmailAddress(@CurrentPrincipal() principal: Principal) {
    return this.reads.supportAddress(principal);
  }

  @Query('inboundEmails')
  list(@CurrentPrincipal() principal: Principal, @Args() args: { first?: number; after?: string; filter?: { status?: string } }) {
    return this.reads.list(principal, args);
  }

  @ResolveField('case')
  case(@Parent() email: InboundEmailView, @Context() context: GraphQLRequestContext) {
    if (!email.caseId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'inboundEmailCases', (ids) => this.cases.getMany(principal, ids)).load(email.caseId);
  }

  @ResolveField('attachments')
  attachments(@Parent() email: InboundEmailView, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'attachmentsByEmail', (ids) => this.reads.attachmentsByEmail(principal, ids)).load(email.id);
  }
}

@Resolver('Case')
export class CaseEmailResolver {
  constructor(private readonly reads: InboundEmailReads) {}

  @ResolveField('emailAttachments')
  attachments(@Parent() c: CaseEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'attachmentsByCase', (ids) => this.reads.attachmentsByCase(principal, ids)).load(c.id);
  }

  @ResolveField('replyAddress')
  replyAddress(@Parent() c: CaseEntity, @Context() context: GraphQLRequestContext) {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'replyAddressByCase', (ids) => this.reads.replyAddresses(principal, ids)).load(c.id);
  }
}

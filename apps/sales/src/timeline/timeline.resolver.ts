import { Args, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import type { AccountEntity } from '../accounts/account.entity';
import type { ContactEntity } from '../contacts/contact.entity';
import { TimelineService, type TimelineArgs } from './timeline.service';

@Resolver('Contact')
export class ContactTimelineResolver {
  constructor(private readonly timeline: TimelineService) {}

  @ResolveField('timeline')
  timelineOf(@Parent() contact: ContactEntity, @CurrentPrincipal() principal: Principal | null, @Args() args: TimelineArgs) {
    return this.timeline.timelineOf(requirePrincipal(principal), 'CONTACT', contact.id, args);
  }
}

@Resolver('Account')
export class AccountTimelineResolver {
  constructor(private readonly timeline: TimelineService) {}

  @ResolveField('timeline')
  timelineOf(@Parent() account: AccountEntity, @CurrentPrincipal() principal: Principal | null, @Args() args: TimelineArgs) {
    return this.timeline.timelineOf(requirePrincipal(principal), 'ACCOUNT', account.id, args);
  }
}

import { Args, Context, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { CasesService } from '../cases/cases.service';
import type { QueueView } from '../routing/routing.service';
import { NotificationsService, type NotificationView } from './notifications.service';

@Resolver('ServiceNotification')
export class NotificationsResolver {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly cases: CasesService,
  ) {}

  @Query('myNotifications')
  mine(@CurrentPrincipal() principal: Principal, @Args() args: { unreadOnly?: boolean | null; first?: number | null }) {
    return this.notifications.mine(principal, args);
  }

  @Query('notification')
  one(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.notifications.one(principal, id);
  }

  @Mutation('markNotificationRead')
  markRead(@CurrentPrincipal() principal: Principal, @Args('id') id: string) {
    return this.notifications.markRead(principal, id);
  }

  @Query('myNotificationPreferences')
  myPreferences(@CurrentPrincipal() principal: Principal) {
    return this.notifications.myPreferences(principal);
  }

  @Mutation('setNotificationPreferences')
  async setPreferences(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: { email?: boolean | null; kinds?: string[] | null },
  ) {
    return { preferences: await this.notifications.setMyPreferences(principal, input) };
  }

  @Mutation('setSupportQueueManager')
  async setManager(@CurrentPrincipal() principal: Principal, @Args('input') input: { queueId: string; managerId?: string | null }) {
    return { queue: await this.notifications.setQueueManager(principal, input) };
  }

  @ResolveField('webhookEndpoint')
  webhookEndpoint(@Parent() n: NotificationView) {
    return n.webhookEndpointId ? { __typename: 'WebhookEndpoint', id: n.webhookEndpointId } : null;
  }

  /** Sales resolves the activity (and whether the caller may still see it). */
  @ResolveField('activity')
  activity(@Parent() n: NotificationView) {
    return n.activityId ? { __typename: 'Activity', id: n.activityId } : null;
  }

  @ResolveField('case')
  case(@Parent() n: NotificationView, @Context() context: GraphQLRequestContext) {
    if (!n.caseId) return null;
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, 'notificationCases', (ids) => this.cases.getMany(principal, ids)).load(n.caseId);
  }
}

@Resolver('SupportQueue')
export class QueueManagerResolver {
  @ResolveField('manager')
  manager(@Parent() q: QueueView) {
    return q.managerId ? { __typename: 'User', id: q.managerId } : null;
  }
}

import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { requirePrincipal } from '@rapport/auth';
import { requestLoader, UserNames, type GraphQLRequestContext } from '@rapport/service-kit';
import { GraphQLError } from 'graphql';

/**
 * `User.displayName` where sales provides it (`owner` fields with
 * `@provides`): one statement per request for every owner on the page,
 * read from sales' projection of identity's users.
 */
@Resolver('User')
export class UserNamesResolver {
  constructor(private readonly names: UserNames) {}

  @ResolveField('displayName')
  async displayName(@Parent() user: { id: string }, @Context() context: GraphQLRequestContext): Promise<string> {
    const { tenantId } = requirePrincipal(context.principal);
    const name = await requestLoader(context, 'userNames', (ids) => this.names.of(tenantId, ids)).load(user.id);
    // Owners are checked against the projection when assigned (OwnerDirectory), so a miss means it lags or was lost: say so.
    if (name === null)
      throw new GraphQLError(`user ${user.id} is not in sales' copy of identity's users yet; ask again in a moment`, {
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      });
    return name;
  }
}

import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, type Principal } from '@rapport/auth';
import { CommerceEventsService, type RecordCommerceEventsInput } from './commerce-events.service';

@Resolver()
export class CommerceEventsResolver {
  constructor(private readonly commerce: CommerceEventsService) {}

  @Mutation('recordCommerceEvents')
  async record(@CurrentPrincipal() principal: Principal, @Args('input') input: RecordCommerceEventsInput) {
    const outcome = await this.commerce.record(principal, input);
    return {
      ...outcome,
      results: outcome.results.map((r) => ({ ...r, contact: r.contactId ? { __typename: 'Contact', id: r.contactId } : null })),
    };
  }
}

import { Context, Parent, ResolveField, ResolveReference, Resolver } from '@nestjs/graphql';
import { requirePrincipal } from '@rapport/auth';
import { ContactVisibility, requestLoader, type GraphQLRequestContext } from '@rapport/service-kit';
import { RfmService } from '../rfm/rfm.service';
import type { RfmView } from '../rfm/rfm-view';

/**
 * Analytics' fields on the sales-owned Contact. Any contact id is a valid
 * reference here (sales decides whether the contact exists); fields come
 * from analytics' own tables, batched per request.
 */
@Resolver('Contact')
export class ContactRfmResolver {
  constructor(
    private readonly rfm: RfmService,
    private readonly contacts: ContactVisibility,
  ) {}

  @ResolveReference()
  resolveReference(@Parent() ref: { id: string }) {
    return { id: ref.id };
  }

  @ResolveField('rfm')
  async rfmOf(@Parent() contact: { id: string }, @Context() context: GraphQLRequestContext): Promise<RfmView | null> {
    const principal = requirePrincipal(context.principal);
    await this.contacts.require(context, principal, contact.id);
    return requestLoader(context, 'rfmByContact', (ids) => this.rfm.getMany(principal, ids)).load(contact.id);
  }
}

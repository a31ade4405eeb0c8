import { Inject, Injectable, Optional, type Provider } from '@nestjs/common';
import { inScope, notFound, type Principal } from '@rapport/auth';
import type { GraphQLRequestContext } from '../graphql.config';
import { requestLoader } from '../request-loader';
import { ServiceDatabase } from '../service-database';
import { IdentityUsersConsumer } from '../users/identity-users.consumer';
import { TeamDirectory } from '../users/team-directory';
import { SharingPolicy } from './sharing-policy';

/**
 * The tenant's CONTACT sharing rule for services that extend the sales-owned
 * Contact (analytics, marketing, service): a field of a contact the caller may not
 * see in sales answers as if the contact did not exist, also when the
 * subgraph is called directly with `_entities`. Owners come from the
 * service's customer-master copy (`owner_id`); a contact the copy
 * does not know yet counts as unowned.
 */
/** The service's table of projected contacts with their `owner_id` (a trusted identifier; default `contacts`). */
export const CONTACT_OWNERS_TABLE = Symbol('CONTACT_OWNERS_TABLE');

@Injectable()
export class ContactVisibility {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly sharing: SharingPolicy,
    @Optional() @Inject(CONTACT_OWNERS_TABLE) private readonly table = 'contacts',
  ) {}

  /** Whether the caller may see each contact. */
  async visible(principal: Principal, ids: readonly string[]): Promise<Map<string, boolean>> {
    const scope = await this.sharing.readScope(principal, 'CONTACT');
    if (scope.all) return new Map(ids.map((id) => [id, true]));
    const rows: { id: string; owner_id: string | null }[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(`SELECT id, owner_id FROM ${this.table} WHERE id = ANY($1::uuid[])`, [[...new Set(ids)]]),
    );
    const owners = new Map(rows.map((r) => [r.id, r.owner_id]));
    return new Map(ids.map((id) => [id, inScope(scope, owners.get(id) ?? null)]));
  }

  /** For a Contact field resolver: refuses the field (NOT_FOUND, as sales would) unless the contact is visible; batched per request. */
  async require(context: GraphQLRequestContext, principal: Principal, contactId: string): Promise<void> {
    const ok = await requestLoader(context, 'contactVisible', (ids) => this.visible(principal, ids)).load(contactId);
    if (!ok) throw notFound('Contact', contactId);
  }
}

/**
 * What a service that extends Contact registers to apply the CONTACT sharing
 * rule: identity's users (for teams), the tenant's rules, and the owners in
 * `ownersTable`, its customer-master copy of the contacts.
 */
export function contactSharingProviders(ownersTable = 'contacts'): Provider[] {
  return [IdentityUsersConsumer, TeamDirectory, SharingPolicy, ContactVisibility, { provide: CONTACT_OWNERS_TABLE, useValue: ownersTable }];
}

import { Injectable } from '@nestjs/common';
import { TenantDatabase } from '@rapport/persistence';

/**
 * Users' display names from the service's projection of identity's users
 * (`identity_users`), for an owner field that provides `User.displayName`
 * itself (`@provides`): the gateway then reads the name with the record
 * instead of asking identity in one more subgraph call per request. Identity
 * stays the owner of the name; the projection follows its user events.
 */
@Injectable()
export class UserNames {
  constructor(private readonly db: TenantDatabase) {}

  /** The names of those of `ids` the projection knows, by id. */
  async of(tenantId: string, ids: readonly string[]): Promise<Map<string, string>> {
    const rows: { id: string; display_name: string }[] = await this.db.withTenant(tenantId, (em) =>
      em.query(`SELECT id::text AS id, display_name FROM identity_users WHERE id = ANY($1::uuid[])`, [ids]),
    );
    return new Map(rows.map((r) => [r.id, r.display_name]));
  }
}

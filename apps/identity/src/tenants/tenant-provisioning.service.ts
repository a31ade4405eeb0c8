import { Injectable } from '@nestjs/common';
import { conflict, notFound } from '@rapport/auth';
import { SYSTEM_ACTOR, TENANT_CREATED, TENANT_DISABLED, TENANT_ENABLED, type Role, type TenantSnapshotV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { PG_UNIQUE_VIOLATION, pgErrorCode, returnedRows } from '@rapport/persistence';
import { ServiceDatabase, validate } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import { TenantEntity } from './tenant.entity';
import { UsersService } from '../users/users.service';

export interface ProvisionTenantInput {
  slug: string;
  name: string;
  admin: { email: string; displayName: string; password: string };
}

/** What `npm run tenant -- disable|enable` did: `changed` is false when the tenant already was so. */
export interface TenantStatusChange {
  tenant: TenantEntity;
  changed: boolean;
}

/**
 * Creates a tenant with its first admin in one transaction, lists tenants,
 * and disables or enables them. Used by the demo seed, by tests, and by
 * operators (`npm run tenant`, tools/tenant); not exposed to tenants
 * themselves. Every change is published through identity's outbox in the
 * transaction that makes it.
 */
@Injectable()
export class TenantProvisioning {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly users: UsersService,
  ) {}

  async provision(input: ProvisionTenantInput): Promise<{ tenant: TenantEntity; adminId: string }> {
    const slug = validate.requiredText('slug', input.slug, 63).toLowerCase();
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(slug)) throw conflict('slug must be 2–63 lower-case letters, digits or dashes', 'slug');
    const tenant = Object.assign(new TenantEntity(), {
      id: uuidv7(),
      slug,
      name: validate.requiredText('name', input.name, 200),
      disabledAt: null,
    });
    try {
      return await this.db.withTenant(tenant.id, async (em) => {
        await em.query(`INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3)`, [tenant.id, tenant.slug, tenant.name]);
        await this.db.publish(
          em,
          newEvent({
            type: TENANT_CREATED,
            tenantId: tenant.id,
            actor: SYSTEM_ACTOR,
            subjectId: tenant.id,
            data: { tenant: tenantSnapshot(tenant) },
          }),
        );
        const admin = await this.users.insertUser(em, tenant.id, SYSTEM_ACTOR, {
          ...input.admin,
          roles: ['admin'] as Role[],
        });
        return { tenant, adminId: admin.id };
      });
    } catch (err) {
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw conflict(`tenant ${slug} already exists`, 'slug');
      throw err;
    }
  }

  /** Idempotent: returns the existing tenant when the slug is taken. */
  async ensure(input: ProvisionTenantInput): Promise<TenantEntity> {
    const existing = await this.db.tenantDb.dataSource.getRepository(TenantEntity).findOneBy({ slug: input.slug });
    return existing ?? (await this.provision(input)).tenant;
  }

  /** Every tenant, oldest first. */
  async list(): Promise<TenantEntity[]> {
    return this.db.tenantDb.dataSource.getRepository(TenantEntity).find({ order: { createdAt: 'ASC', slug: 'ASC' } });
  }

  /**
   * The tenant's users cannot sign in or refresh and its API keys cannot be
   * exchanged from the commit on; identity.tenant.disabled makes every
   * verifier refuse the tokens already issued (docs/adr/013-revocation.md).
   */
  disable(slug: string): Promise<TenantStatusChange> {
    return this.setDisabled(slug, true);
  }

  /** Undoes disable: sign-in, refresh and API keys work again, and so do unexpired tokens. */
  enable(slug: string): Promise<TenantStatusChange> {
    return this.setDisabled(slug, false);
  }

  private async setDisabled(slug: string, disabled: boolean): Promise<TenantStatusChange> {
    const tenant = await this.db.tenantDb.dataSource.getRepository(TenantEntity).findOneBy({ slug: slug.trim().toLowerCase() });
    if (!tenant) throw notFound('Tenant', slug);
    return this.db.withTenant(tenant.id, async (em) => {
      // The condition makes a repeated command a no-op that publishes nothing, even when two race.
      const result: unknown = await em.query(
        disabled
          ? `UPDATE tenants SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL RETURNING disabled_at`
          : `UPDATE tenants SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL RETURNING disabled_at`,
        [tenant.id],
      );
      const rows = returnedRows<{ disabled_at: Date | null }>(result);
      const changed = rows.length === 1;
      if (changed) tenant.disabledAt = rows[0].disabled_at;
      if (!changed) return { tenant, changed };
      await this.db.publish(
        em,
        newEvent({
          type: disabled ? TENANT_DISABLED : TENANT_ENABLED,
          tenantId: tenant.id,
          actor: SYSTEM_ACTOR,
          subjectId: tenant.id,
          data: { tenant: tenantSnapshot(tenant) },
        }),
      );
      return { tenant, changed };
    });
  }
}

export function tenantSnapshot(tenant: TenantEntity): TenantSnapshotV1 {
  return { id: tenant.id, slug: tenant.slug, name: tenant.name, disabled: tenant.disabledAt !== null };
}

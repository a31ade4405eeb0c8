import { Injectable } from '@nestjs/common';
import { conflict } from '@rapport/auth';
import { SYSTEM_ACTOR, TENANT_CREATED, type Role } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '@rapport/persistence';
import { ServiceDatabase, validate } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import { TenantEntity } from './tenant.entity';
import { UsersService } from '../users/users.service';

export interface ProvisionTenantInput {
  slug: string;
  name: string;
  admin: { email: string; displayName: string; password: string };
}

/**
 * Creates a tenant with its first admin in one transaction. Used by the demo
 * seed, by tests, and by operators (the `create-tenant` CLI); not exposed to
 * tenants themselves.
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
    const tenant = Object.assign(new TenantEntity(), { id: uuidv7(), slug, name: validate.requiredText('name', input.name, 200) });
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
            data: { tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name } },
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
}

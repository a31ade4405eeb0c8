import { Injectable } from '@nestjs/common';
import { notFound } from '@rapport/auth';
import { DataSource } from 'typeorm';
import { TenantEntity } from './tenant.entity';

@Injectable()
export class TenantsService {
  constructor(private readonly dataSource: DataSource) {}

  async get(id: string): Promise<TenantEntity> {
    const tenant = await this.dataSource.getRepository(TenantEntity).findOneBy({ id });
    if (!tenant) throw notFound('Tenant', id);
    return tenant;
  }
}

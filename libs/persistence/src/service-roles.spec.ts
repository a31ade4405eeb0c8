import { serviceRoles } from './service-roles';

describe('serviceRoles', () => {
  it('names the runtime and tenant roles after the service, not after the schema suffix', () => {
    expect(serviceRoles('sales')).toEqual({ runtime: 'rapport_sales', tenant: 'rapport_sales_tenant' });
  });

  it('takes DB_ROLE and derives the tenant role from it unless DB_APP_ROLE names one', () => {
    expect(serviceRoles('sales', { DB_ROLE: 'crm_sales' })).toEqual({ runtime: 'crm_sales', tenant: 'crm_sales_tenant' });
    expect(serviceRoles('sales', { DB_ROLE: 'crm_sales', DB_APP_ROLE: 'crm_rls' })).toEqual({ runtime: 'crm_sales', tenant: 'crm_rls' });
  });
});

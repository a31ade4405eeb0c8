import type { Principal } from '@rapport/auth';
import { customerContact, requireCaseRead, requireCaseWork, requireCaseWrite, requireServiceAdmin } from './service-access';

const p = (kind: Principal['kind'], roles: Principal['roles'], scopes: string[] = [], contactId: string | null = null): Principal => ({
  kind,
  tenantId: 't',
  id: 'u',
  roles,
  scopes,
  contactId,
});
const code = (fn: () => void) => {
  try {
    fn();
    return 'OK';
  } catch (err) {
    return (err as { extensions?: { code?: string } }).extensions?.code;
  }
};

describe('service access rules', () => {
  it('lets support staff and admins read, write and work on cases', () => {
    for (const roles of [['support_agent'], ['support_manager'], ['admin']] as Principal['roles'][]) {
      expect([
        code(() => requireCaseRead(p('user', roles))),
        code(() => requireCaseWrite(p('user', roles))),
        code(() => requireCaseWork(p('user', roles))),
      ]).toEqual(['OK', 'OK', 'OK']);
    }
  });

  it('keeps sales staff out', () => {
    expect(code(() => requireCaseRead(p('user', ['sales_rep'])))).toBe('FORBIDDEN');
  });

  it('lets partner keys with cases:write open cases, not without', () => {
    expect(code(() => requireCaseWrite(p('apiKey', ['partner'], ['cases:write'])))).toBe('OK');
    expect(code(() => requireCaseRead(p('apiKey', ['partner'], ['cases:write'])))).toBe('OK');
    expect(code(() => requireCaseWrite(p('apiKey', ['partner'], ['leads:write'])))).toBe('FORBIDDEN');
  });

  it('binds customers to their contact and keeps them from working on cases', () => {
    const customer = p('customer', ['customer'], [], 'c-1');
    expect(code(() => requireCaseWrite(customer))).toBe('OK');
    expect(customerContact(customer)).toBe('c-1');
    expect(code(() => requireCaseWork(customer))).toBe('FORBIDDEN');
    expect(code(() => requireCaseRead(p('customer', ['customer'])))).toBe('FORBIDDEN');
    expect(customerContact(p('user', ['support_agent']))).toBeNull();
  });

  it('leaves configuration to support managers and admins', () => {
    expect(code(() => requireServiceAdmin(p('user', ['support_manager'])))).toBe('OK');
    expect(code(() => requireServiceAdmin(p('user', ['support_agent'])))).toBe('FORBIDDEN');
  });
});

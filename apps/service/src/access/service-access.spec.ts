import { writeScope, type Principal } from '@rapport/auth';
import {
  customerContact,
  requireCaseAccess,
  requireCaseChange,
  requireCaseWork,
  requireKnowledgeRead,
  requireServiceAdmin,
} from './service-access';

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
        code(() => requireCaseAccess(p('user', roles), 'CASES', 'READ', [])),
        code(() => requireCaseAccess(p('user', roles), 'CASE_COMMENTS', 'WRITE', [])),
        code(() => requireCaseWork(p('user', roles), [])),
      ]).toEqual(['OK', 'OK', 'OK']);
    }
  });

  it('lets sales staff see cases but not their comments, and not change them', () => {
    const rep = p('user', ['sales_rep']);
    expect(code(() => requireCaseAccess(rep, 'CASES', 'READ', []))).toBe('OK');
    expect(code(() => requireCaseAccess(rep, 'CASE_COMMENTS', 'READ', []))).toBe('FORBIDDEN');
    expect(code(() => requireCaseWork(rep, []))).toBe('FORBIDDEN');
  });

  it('follows the tenant narrowing a role', () => {
    const narrowed = [{ role: 'support_agent' as const, fieldGroup: 'CASE_COMMENTS' as const, access: 'READ' as const }];
    expect(code(() => requireCaseAccess(p('user', ['support_agent']), 'CASE_COMMENTS', 'WRITE', narrowed))).toBe('FORBIDDEN');
    expect(code(() => requireCaseAccess(p('user', ['support_agent']), 'CASE_COMMENTS', 'READ', narrowed))).toBe('OK');
  });

  it('lets partner keys with cases:write open cases, not without', () => {
    expect(code(() => requireCaseAccess(p('apiKey', ['partner'], ['cases:write']), 'CASES', 'WRITE', []))).toBe('OK');
    expect(code(() => requireCaseAccess(p('apiKey', ['partner'], ['cases:write']), 'CASES', 'READ', []))).toBe('OK');
    expect(code(() => requireCaseAccess(p('apiKey', ['partner'], ['leads:write']), 'CASES', 'WRITE', []))).toBe('FORBIDDEN');
  });

  it('binds customers to their contact and keeps them from working on cases', () => {
    const customer = p('customer', ['customer'], [], 'c-1');
    expect(code(() => requireCaseAccess(customer, 'CASES', 'WRITE', []))).toBe('OK');
    expect(customerContact(customer)).toBe('c-1');
    expect(code(() => requireCaseWork(customer, []))).toBe('FORBIDDEN');
    expect(code(() => requireCaseAccess(p('customer', ['customer']), 'CASES', 'READ', []))).toBe('FORBIDDEN');
    expect(code(() => requireKnowledgeRead(p('customer', ['customer'])))).toBe('FORBIDDEN');
    expect(code(() => requireKnowledgeRead(customer))).toBe('OK');
    expect(customerContact(p('user', ['support_agent']))).toBeNull();
  });

  it('leaves configuration to support managers and admins', () => {
    expect(code(() => requireServiceAdmin(p('user', ['support_manager'])))).toBe('OK');
    expect(code(() => requireServiceAdmin(p('user', ['support_agent'])))).toBe('FORBIDDEN');
  });

  it('changes a case under PUBLIC_READ_ONLY or PRIVATE only from the owner side; support managers keep all under read-only', () => {
    const agent = p('user', ['support_agent']);
    const manager = p('user', ['support_manager']);
    const others = { ownerId: 'someone-else' };
    expect(code(() => requireCaseChange(writeScope(agent, 'CASE', 'PUBLIC_READ_WRITE', []), others))).toBe('OK');
    expect(code(() => requireCaseChange(writeScope(agent, 'CASE', 'PUBLIC_READ_ONLY', []), others))).toBe('FORBIDDEN');
    expect(code(() => requireCaseChange(writeScope(agent, 'CASE', 'PUBLIC_READ_ONLY', []), { ownerId: 'u' }))).toBe('OK');
    expect(code(() => requireCaseChange(writeScope(agent, 'CASE', 'PRIVATE', ['someone-else']), others))).toBe('OK');
    expect(code(() => requireCaseChange(writeScope(manager, 'CASE', 'PUBLIC_READ_ONLY', []), others))).toBe('OK');
    expect(code(() => requireCaseChange(writeScope(manager, 'CASE', 'PRIVATE', []), others))).toBe('FORBIDDEN');
    expect(code(() => requireCaseChange(writeScope(manager, 'CASE', 'PRIVATE', []), { ownerId: null }))).toBe('OK');
  });
});

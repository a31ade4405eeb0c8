import type { Role } from '@rapport/contracts';
import { allowsFieldAccess, fieldAccessOf, requireFieldAccess } from './field-access';
import type { Principal } from './principal';

const user = (...roles: Role[]): Principal => ({ kind: 'user', tenantId: 't', id: 'u', roles, scopes: [], contactId: null });
const key = (...scopes: string[]): Principal => ({ kind: 'apiKey', tenantId: 't', id: 'k', roles: ['partner'], scopes, contactId: null });
const customer: Principal = { kind: 'customer', tenantId: 't', id: 'c', roles: ['customer'], scopes: [], contactId: 'x' };

describe('field access', () => {
  it('follows the built-in matrix', () => {
    expect(fieldAccessOf(user('sales_rep'), 'CASES', [])).toBe('READ');
    expect(fieldAccessOf(user('marketer'), 'CASE_COMMENTS', [])).toBe('NONE');
    expect(fieldAccessOf(user('support_agent'), 'VALUE', [])).toBe('READ');
    expect(fieldAccessOf(customer, 'MARKETING_PROFILE', [])).toBe('NONE');
    expect(fieldAccessOf(customer, 'CONSENTS', [])).toBe('WRITE');
  });

  it('takes the best of several roles', () => {
    expect(fieldAccessOf(user('marketer', 'support_agent'), 'CASE_COMMENTS', [])).toBe('WRITE');
  });

  it('lets a tenant narrow a role, never widen it, and never narrow admins', () => {
    const overrides = [
      { role: 'sales_rep' as const, fieldGroup: 'VALUE' as const, access: 'NONE' as const },
      { role: 'marketer' as const, fieldGroup: 'CASE_COMMENTS' as const, access: 'WRITE' as const },
      { role: 'admin' as const, fieldGroup: 'PROFILE' as const, access: 'NONE' as const },
    ];
    expect(fieldAccessOf(user('sales_rep'), 'VALUE', overrides)).toBe('NONE');
    expect(fieldAccessOf(user('sales_manager'), 'VALUE', overrides)).toBe('READ');
    expect(fieldAccessOf(user('marketer'), 'CASE_COMMENTS', overrides)).toBe('NONE');
    expect(fieldAccessOf(user('admin'), 'PROFILE', overrides)).toBe('WRITE');
  });

  it('caps API keys by their scopes and by the partner row', () => {
    expect(fieldAccessOf(key('contacts:read'), 'CONTACT_DETAILS', [])).toBe('READ');
    expect(fieldAccessOf(key('contacts:write'), 'CONTACT_DETAILS', [])).toBe('WRITE');
    expect(fieldAccessOf(key('cases:read'), 'CONTACT_DETAILS', [])).toBe('NONE');
    expect(fieldAccessOf(key('analytics:write'), 'VALUE', [])).toBe('READ');
    const noPhones = [{ role: 'partner' as const, fieldGroup: 'CONTACT_DETAILS' as const, access: 'NONE' as const }];
    expect(fieldAccessOf(key('contacts:write'), 'CONTACT_DETAILS', noPhones)).toBe('NONE');
    expect(fieldAccessOf(key('contacts:write'), 'PROFILE', noPhones)).toBe('WRITE');
  });

  it('refuses with FORBIDDEN naming the field group', () => {
    expect(allowsFieldAccess(user('analyst'), 'CONTACT_DETAILS', 'READ', [])).toBe(false);
    try {
      requireFieldAccess(user('analyst'), 'CONTACT_DETAILS', 'READ', []);
      throw new Error('expected a refusal');
    } catch (err) {
      expect((err as { extensions: unknown }).extensions).toEqual({ code: 'FORBIDDEN', fieldGroup: 'CONTACT_DETAILS' });
    }
  });
});

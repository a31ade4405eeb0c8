import type { Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';
import { invitationScope, requireMayInvite } from './invitation-access';

const as = (kind: Principal['kind'], ...roles: Role[]): Principal => ({
  kind,
  tenantId: '0190c000-0000-7000-8000-000000000001',
  id: 'u',
  roles,
  scopes: [],
  contactId: null,
});

describe('who may invite whom', () => {
  it('admins invite any roles', () => {
    expect(() => requireMayInvite(as('user', 'admin'), ['sales_rep', 'admin'])).not.toThrow();
    expect(() => requireMayInvite(as('user', 'admin'), ['customer'])).not.toThrow();
  });

  it('support managers invite customers only', () => {
    expect(() => requireMayInvite(as('user', 'support_manager'), ['customer'])).not.toThrow();
    expect(() => requireMayInvite(as('user', 'support_manager'), ['support_agent'])).toThrow('admins invite users');
    expect(() => requireMayInvite(as('user', 'support_manager'), ['customer', 'admin'])).toThrow('admins invite users');
  });

  it('nobody else: other staff, API keys, customers', () => {
    expect(() => requireMayInvite(as('user', 'sales_manager'), ['customer'])).toThrow('admins invite users');
    expect(() => requireMayInvite(as('apiKey', 'partner'), ['customer'])).toThrow('only signed-in staff');
    expect(() => requireMayInvite(as('customer', 'customer'), ['customer'])).toThrow('only signed-in staff');
  });

  it("admins see every open invitation, support managers customers' only, others none", () => {
    expect(invitationScope(as('user', 'admin'))).toBe('all');
    expect(invitationScope(as('user', 'support_manager'))).toBe('customers');
    expect(() => invitationScope(as('user', 'support_agent'))).toThrow('admins see invitations');
    expect(() => invitationScope(as('apiKey', 'partner'))).toThrow('admins see invitations');
  });
});

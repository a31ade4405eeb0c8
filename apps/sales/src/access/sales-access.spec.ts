import { writeScope, type Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';
import { GraphQLError } from 'graphql';
import {
  canChangeOwned,
  canRead,
  canReadContact,
  requireDealRead,
  requirePipelineAdmin,
  requireRead,
  requireReassign,
  requireSalesCreate,
  requireSalesRead,
  requireWrite,
} from './sales-access';

const user = (id: string, ...roles: Role[]): Principal => ({ kind: 'user', tenantId: 't', id, roles, scopes: [], contactId: null });
const apiKey = (...scopes: string[]): Principal => ({
  kind: 'apiKey',
  tenantId: 't',
  id: 'k',
  roles: ['partner'],
  scopes,
  contactId: null,
});
const customer: Principal = { kind: 'customer', tenantId: 't', id: 'c', roles: ['customer'], scopes: [], contactId: 'x' };

function codeOf(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as GraphQLError).extensions.code as string;
  }
}

describe('sales access rules', () => {
  const rep = user('rep-1', 'sales_rep');
  const otherRep = user('rep-2', 'sales_rep');
  const manager = user('mgr', 'sales_manager');
  const admin = user('adm', 'admin');

  // The default sharing of leads and opportunities (PUBLIC_READ_ONLY); rep-2 manages nobody, mgr manages no one either.
  const write = (p: Principal, team: string[] = []) => writeScope(p, 'OPPORTUNITY', 'PUBLIC_READ_ONLY', team);

  it("by default reps change their own and their reports' leads and opportunities; managers and admins change all", () => {
    expect(canChangeOwned(rep, 'opportunities', 'rep-1', write(rep))).toBe(true);
    expect(canChangeOwned(otherRep, 'opportunities', 'rep-1', write(otherRep))).toBe(false);
    expect(canChangeOwned(otherRep, 'opportunities', 'rep-1', write(otherRep, ['rep-1']))).toBe(true);
    expect(canChangeOwned(rep, 'leads', null, write(rep))).toBe(false);
    expect(canChangeOwned(manager, 'opportunities', 'rep-1', write(manager))).toBe(true);
    expect(canChangeOwned(admin, 'leads', null, write(admin))).toBe(true);
  });

  it('a PRIVATE rule keeps a manager to their team; PUBLIC_READ_WRITE lets every rep change', () => {
    expect(canChangeOwned(manager, 'opportunities', 'rep-1', writeScope(manager, 'OPPORTUNITY', 'PRIVATE', []))).toBe(false);
    expect(canChangeOwned(manager, 'opportunities', 'rep-1', writeScope(manager, 'OPPORTUNITY', 'PRIVATE', ['rep-1']))).toBe(true);
    expect(canChangeOwned(otherRep, 'opportunities', 'rep-1', writeScope(otherRep, 'OPPORTUNITY', 'PUBLIC_READ_WRITE', []))).toBe(true);
  });

  it('other staff, customers and keys without the scope change nothing', () => {
    const all = writeScope(admin, 'LEAD', 'PUBLIC_READ_WRITE', []);
    expect(canChangeOwned(user('m', 'marketer'), 'leads', 'm', all)).toBe(false);
    expect(canChangeOwned(customer, 'leads', 'c', all)).toBe(false);
    expect(canChangeOwned(apiKey('leads:read'), 'leads', null, all)).toBe(false);
    expect(canChangeOwned(apiKey('leads:write'), 'leads', null, write(apiKey('leads:write')))).toBe(true);
  });

  it('all sales roles read; partners need the read scope; customers never', () => {
    expect(codeOf(() => requireSalesRead(rep, 'pipelines'))).toBeNull();
    expect(codeOf(() => requireSalesRead(manager, 'leads'))).toBeNull();
    expect(codeOf(() => requireSalesRead(user('s', 'support_agent'), 'leads'))).toBe('FORBIDDEN');
    expect(codeOf(() => requireSalesRead(apiKey('leads:write'), 'leads'))).toBe('FORBIDDEN');
    expect(codeOf(() => requireSalesRead(apiKey('leads:read'), 'leads'))).toBeNull();
    expect(codeOf(() => requireSalesRead(customer, 'pipelines'))).toBe('FORBIDDEN');
    expect(canRead(apiKey('leads:write'), 'contacts', [])).toBe(false);
    expect(canRead(rep, 'contacts', [])).toBe(true);
  });

  it('the customer master and deals follow the access matrix and the tenant narrowing it', () => {
    const support = user('s', 'support_agent');
    expect(canRead(support, 'opportunities', [])).toBe(true);
    expect(canRead(user('m', 'marketer'), 'opportunities', [])).toBe(false);
    expect(codeOf(() => requireDealRead(rep, 'QUOTES', []))).toBeNull();
    expect(codeOf(() => requireDealRead(support, 'QUOTES', []))).toBe('FORBIDDEN');
    expect(codeOf(() => requireWrite(support, 'contacts', []))).toBe('FORBIDDEN');
    expect(codeOf(() => requireWrite(rep, 'accounts', []))).toBeNull();
    expect(codeOf(() => requireRead(apiKey('accounts:read'), 'accounts', []))).toBeNull();
    expect(codeOf(() => requireRead(apiKey('accounts:read'), 'contacts', []))).toBe('FORBIDDEN');
    const noProfileForMarketers = [{ role: 'marketer' as const, fieldGroup: 'PROFILE' as const, access: 'NONE' as const }];
    expect(codeOf(() => requireRead(user('m', 'marketer'), 'contacts', noProfileForMarketers))).toBe('FORBIDDEN');
    expect(canReadContact(customer, 'x', noProfileForMarketers)).toBe(true);
    expect(canReadContact(customer, 'y', [])).toBe(false);
  });

  it('createLead is open to sales roles and to API keys with leads:write; reps create for themselves', () => {
    expect(codeOf(() => requireSalesCreate(apiKey('leads:write'), 'leads', null))).toBeNull();
    expect(codeOf(() => requireSalesCreate(apiKey('contacts:write'), 'leads', null))).toBe('FORBIDDEN');
    expect(codeOf(() => requireSalesCreate(rep, 'leads', 'rep-1'))).toBeNull();
    expect(codeOf(() => requireSalesCreate(rep, 'opportunities', 'rep-2'))).toBe('FORBIDDEN');
    expect(codeOf(() => requireSalesCreate(manager, 'opportunities', 'rep-2'))).toBeNull();
    expect(codeOf(() => requireSalesCreate(user('a', 'analyst'), 'leads', 'a'))).toBe('FORBIDDEN');
  });

  it('only managers, admins and writing integrations reassign owners', () => {
    expect(codeOf(() => requireReassign(rep, 'opportunities'))).toBe('FORBIDDEN');
    expect(codeOf(() => requireReassign(manager, 'opportunities'))).toBeNull();
    expect(codeOf(() => requireReassign(apiKey('leads:write'), 'leads'))).toBeNull();
  });

  it('pipelines are edited by sales managers and admins only', () => {
    expect(codeOf(() => requirePipelineAdmin(manager))).toBeNull();
    expect(codeOf(() => requirePipelineAdmin(admin))).toBeNull();
    expect(codeOf(() => requirePipelineAdmin(rep))).toBe('FORBIDDEN');
    expect(codeOf(() => requirePipelineAdmin(apiKey('pipelines:write')))).toBe('FORBIDDEN');
  });
});

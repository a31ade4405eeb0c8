import type { Role } from '@rapport/contracts';
import type { Principal } from './principal';
import { inScope, readScope, requireWritable, scopePredicate, sharingOf, writeScope } from './sharing';

const TENANT = '00000000-0000-7000-8000-000000000001';
const A = 'a0000000-0000-7000-8000-00000000000a';
const B = 'b0000000-0000-7000-8000-00000000000b';
const MANAGER = 'c0000000-0000-7000-8000-00000000000c';

function user(id: string, ...roles: Role[]): Principal {
  return { kind: 'user', tenantId: TENANT, id, roles, scopes: [], contactId: null };
}
const repA = user(A, 'sales_rep');
const repB = user(B, 'sales_rep');
const managerOfA = user(MANAGER, 'sales_manager');
const admin = user('d0000000-0000-7000-8000-00000000000d', 'admin');
const partner: Principal = { kind: 'apiKey', tenantId: TENANT, id: 'key', roles: ['partner'], scopes: ['contacts:read'], contactId: null };
const customer: Principal = { kind: 'customer', tenantId: TENANT, id: 'cust', roles: ['customer'], scopes: [], contactId: 'contact' };

describe('sharing rules', () => {
  it('takes the tenant rule for an object, or its default', () => {
    expect(sharingOf([{ object: 'CONTACT', access: 'PRIVATE' }], 'CONTACT')).toBe('PRIVATE');
    expect(sharingOf([{ object: 'CONTACT', access: 'PRIVATE' }], 'OPPORTUNITY')).toBe('PUBLIC_READ_ONLY');
    expect(sharingOf(undefined, 'CASE')).toBe('PUBLIC_READ_WRITE');
  });

  it('PRIVATE: the owner, their managers (through the team) and admins see a record; other reps do not', () => {
    expect(inScope(readScope(repA, 'CONTACT', 'PRIVATE', []), A)).toBe(true);
    expect(inScope(readScope(repB, 'CONTACT', 'PRIVATE', []), A)).toBe(false);
    expect(inScope(readScope(managerOfA, 'CONTACT', 'PRIVATE', [A]), A)).toBe(true);
    expect(inScope(readScope(managerOfA, 'CONTACT', 'PRIVATE', []), B)).toBe(false);
    expect(inScope(readScope(admin, 'CONTACT', 'PRIVATE', []), A)).toBe(true);
  });

  it('PRIVATE: partner keys and customers are not narrowed by owner (scopes and their own contact govern them)', () => {
    expect(readScope(partner, 'CONTACT', 'PRIVATE', [])).toEqual({ all: true });
    expect(readScope(customer, 'CASE', 'PRIVATE', [])).toEqual({ all: true });
  });

  it('PRIVATE: unowned records are for admins and the object manager role only', () => {
    expect(inScope(readScope(repA, 'CONTACT', 'PRIVATE', []), null)).toBe(false);
    expect(inScope(readScope(managerOfA, 'CONTACT', 'PRIVATE', []), null)).toBe(true);
    expect(inScope(readScope(user(MANAGER, 'support_manager'), 'CONTACT', 'PRIVATE', []), null)).toBe(false);
    expect(inScope(readScope(user(MANAGER, 'support_manager'), 'CASE', 'PRIVATE', []), null)).toBe(true);
  });

  it('PUBLIC_READ_ONLY: everyone reads; the owner side and the manager role change', () => {
    expect(readScope(repB, 'OPPORTUNITY', 'PUBLIC_READ_ONLY', [])).toEqual({ all: true });
    expect(inScope(writeScope(repB, 'OPPORTUNITY', 'PUBLIC_READ_ONLY', []), A)).toBe(false);
    expect(inScope(writeScope(repA, 'OPPORTUNITY', 'PUBLIC_READ_ONLY', []), A)).toBe(true);
    expect(inScope(writeScope(user(B, 'sales_rep'), 'OPPORTUNITY', 'PUBLIC_READ_ONLY', [A]), A)).toBe(true);
    expect(writeScope(managerOfA, 'OPPORTUNITY', 'PUBLIC_READ_ONLY', [])).toEqual({ all: true });
    expect(writeScope(admin, 'CONTACT', 'PUBLIC_READ_ONLY', [])).toEqual({ all: true });
  });

  it('PUBLIC_READ_WRITE: every record, read and write', () => {
    expect(readScope(repB, 'CONTACT', 'PUBLIC_READ_WRITE', [])).toEqual({ all: true });
    expect(writeScope(repB, 'CONTACT', 'PUBLIC_READ_WRITE', [])).toEqual({ all: true });
  });

  it('PRIVATE writes stay with the owner side, even for the manager role outside its team', () => {
    expect(inScope(writeScope(managerOfA, 'OPPORTUNITY', 'PRIVATE', [A]), A)).toBe(true);
    expect(inScope(writeScope(managerOfA, 'OPPORTUNITY', 'PRIVATE', [A]), B)).toBe(false);
  });

  it('turns a scope into one predicate on the owner column', () => {
    expect(scopePredicate({ all: true }, 'c.owner_id', ':owners')).toBeNull();
    expect(scopePredicate(readScope(repA, 'CONTACT', 'PRIVATE', []), 'c.owner_id', ':owners')).toBe('c.owner_id = ANY(:owners)');
    expect(scopePredicate(readScope(managerOfA, 'CONTACT', 'PRIVATE', [A]), 'owner_id', '$2')).toBe(
      '(owner_id = ANY($2) OR owner_id IS NULL)',
    );
    expect(readScope(managerOfA, 'CONTACT', 'PRIVATE', [A])).toEqual({ all: false, ownerIds: [MANAGER, A], unowned: true });
  });

  it('refuses a change outside the write scope with FORBIDDEN', () => {
    expect(() => requireWritable(writeScope(repA, 'CONTACT', 'PUBLIC_READ_ONLY', []), 'CONTACT', A)).not.toThrow();
    let code: unknown;
    try {
      requireWritable(writeScope(repB, 'CONTACT', 'PUBLIC_READ_ONLY', []), 'CONTACT', A);
    } catch (err) {
      code = (err as { extensions: { code: string } }).extensions.code;
    }
    expect(code).toBe('FORBIDDEN');
  });
});

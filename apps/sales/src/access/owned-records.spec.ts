import { readScope, writeScope, type Principal } from '@rapport/auth';
import type { SharingAccess } from '@rapport/contracts';
import type { GraphQLError } from 'graphql';
import { requireChangeShared } from './owned-records';

const rep = (id: string): Principal => ({ kind: 'user', tenantId: 't', id, roles: ['sales_rep'], scopes: [], contactId: null });

function codeOf(principal: Principal, access: SharingAccess, ownerId: string | null): string {
  const scopes = { read: readScope(principal, 'OPPORTUNITY', access, []), write: writeScope(principal, 'OPPORTUNITY', access, []) };
  try {
    requireChangeShared(principal, 'opportunities', { id: 'o-1', ownerId }, scopes);
    return 'OK';
  } catch (err) {
    return (err as GraphQLError).extensions.code as string;
  }
}

describe('changing a shared lead or opportunity', () => {
  it('is NOT_FOUND when the rule hides the record, FORBIDDEN when it is only readable, allowed on the owner side', () => {
    expect(codeOf(rep('b'), 'PRIVATE', 'a')).toBe('NOT_FOUND');
    expect(codeOf(rep('b'), 'PUBLIC_READ_ONLY', 'a')).toBe('FORBIDDEN');
    expect(codeOf(rep('b'), 'PUBLIC_READ_WRITE', 'a')).toBe('OK');
    expect(codeOf(rep('a'), 'PRIVATE', 'a')).toBe('OK');
  });
});

import { forbidden, type Principal } from '@rapport/auth';

/**
 * Customers meet staff by display name only (a case's owner, a comment's
 * author): a colleague's sign-in email and roles are not theirs to see.
 * Their own they may.
 */
export function requireStaffDetails(principal: Principal, user: { id: string }): void {
  if (principal.kind === 'customer' && principal.id !== user.id) {
    throw forbidden('customers see staff by display name only, not their email or roles');
  }
}

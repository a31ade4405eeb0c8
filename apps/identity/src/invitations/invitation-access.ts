import { forbidden, type Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';

/**
 * Admins invite anyone with any roles. Support managers, who run the
 * self-service desk, invite customers only: letting them grant staff roles
 * would make every support manager an admin.
 */
export function requireMayInvite(principal: Principal, roles: readonly Role[]): void {
  if (principal.kind !== 'user') throw forbidden('only signed-in staff invite users');
  if (principal.roles.includes('admin')) return;
  if (principal.roles.includes('support_manager') && roles.every((role) => role === 'customer')) return;
  throw forbidden('admins invite users; support managers invite customers to self-service');
}

/** Who sees and revokes open invitations: whoever could have made them (admins all, support managers customers'). */
export function invitationScope(principal: Principal): 'all' | 'customers' {
  if (principal.kind === 'user' && principal.roles.includes('admin')) return 'all';
  if (principal.kind === 'user' && principal.roles.includes('support_manager')) return 'customers';
  throw forbidden('admins see invitations; support managers those of customers');
}

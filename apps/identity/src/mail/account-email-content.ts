import { accountLink, invitationEmail, passwordResetEmail, type AccountEmail } from './account-emails';

export type AccountEmailKind = 'invitation' | 'password-reset';

/** What the email of a link is made from, read when it is sent (the address is never copied into the outbox row). */
export interface LinkRow {
  email: string;
  roles: string[];
  expiresAt: Date;
  tenantName: string;
  usable: boolean;
}

/** The email of an invitation or a reset, with the link to the front end at `appUrl`. */
export function accountEmailContent(kind: AccountEmailKind, link: LinkRow, token: string, appUrl: string): AccountEmail {
  if (kind === 'invitation')
    return invitationEmail({
      link: accountLink(appUrl, 'accept-invitation', token),
      tenantName: link.tenantName,
      customer: link.roles.includes('customer'),
      expiresAt: link.expiresAt,
    });
  return passwordResetEmail({ link: accountLink(appUrl, 'reset-password', token), tenantName: link.tenantName, expiresAt: link.expiresAt });
}

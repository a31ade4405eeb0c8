/** An email identity sends: subject and both bodies. */
export interface AccountEmail {
  subject: string;
  text: string;
  html: string;
}

/**
 * The link a front end at `appUrl` opens: the token travels in the
 * fragment, which browsers never send to a server, so it stays out of
 * access logs, proxies and Referer headers. The page reads it and calls
 * acceptInvitation or resetPassword.
 */
export function accountLink(appUrl: string, page: 'accept-invitation' | 'reset-password', token: string): string {
  return `${appUrl.replace(/\/+$/, '')}/${page}#token=${token}`;
}

export function invitationEmail(p: { link: string; tenantName: string; customer: boolean; expiresAt: Date }): AccountEmail {
  const what = p.customer ? `${p.tenantName}'s customer self-service` : `${p.tenantName} on Rapport`;
  const until = `This link works once, until ${formatUtc(p.expiresAt)}.`;
  return {
    subject: `You are invited to ${what}`,
    text: [
      `Hello,`,
      ``,
      `you are invited to ${what}. Choose your name and password here:`,
      p.link,
      ``,
      until,
      `If you did not expect this invitation, ignore this message.`,
    ].join('\n'),
    html: [
      `<p>Hello,</p>`,
      `<p>you are invited to ${escapeHtml(what)}.</p>`,
      `<p><a href="${escapeHtml(p.link)}">Accept the invitation</a></p>`,
      `<p>${escapeHtml(until)}<br>If you did not expect this invitation, ignore this message.</p>`,
    ].join('\n'),
  };
}

export function passwordResetEmail(p: { link: string; tenantName: string; expiresAt: Date }): AccountEmail {
  const until = `This link works once, until ${formatUtc(p.expiresAt)}.`;
  const notYou = 'If you did not ask for this, ignore this message: your password stays as it is.';
  return {
    subject: `Reset your password for ${p.tenantName}`,
    text: [
      `Hello,`,
      ``,
      `someone (hopefully you) asked to reset your password for ${p.tenantName}. Choose a new one here:`,
      p.link,
      ``,
      until,
      `Setting a new password signs you out everywhere.`,
      notYou,
    ].join('\n'),
    html: [
      `<p>Hello,</p>`,
      `<p>someone (hopefully you) asked to reset your password for ${escapeHtml(p.tenantName)}.</p>`,
      `<p><a href="${escapeHtml(p.link)}">Choose a new password</a></p>`,
      `<p>${escapeHtml(until)} Setting a new password signs you out everywhere.<br>${escapeHtml(notYou)}</p>`,
    ].join('\n'),
  };
}

/** `2026-12-13 10:00 UTC`: unambiguous for a reader anywhere. */
function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

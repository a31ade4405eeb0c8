import { accountLink, invitationEmail, passwordResetEmail } from './account-emails';

describe('account emails', () => {
  it('put the token in the link fragment, under the configured front end', () => {
    expect(accountLink('https://app.example.com/', 'reset-password', 'tok')).toBe('https://app.example.com/reset-password#token=tok');
    expect(accountLink('https://example.com/crm', 'accept-invitation', 'tok')).toBe('https://example.com/crm/accept-invitation#token=tok');
  });

  it('say what the invitation is for and until when, with the tenant name escaped in HTML', () => {
    const mail = invitationEmail({
      link: 'https://app.example.com/accept-invitation#token=abc',
      tenantName: 'Smith & <Sons>',
      customer: false,
      expiresAt: new Date('2026-12-13T10:00:00Z'),
    });
    expect(mail.subject).toBe('You are invited to Smith & <Sons> on Rapport');
    expect(mail.text).toContain('https://app.example.com/accept-invitation#token=abc');
    expect(mail.text).toContain('until 2026-12-13 10:00 UTC');
    expect(mail.html).toContain('Smith &amp; &lt;Sons&gt;');
    expect(mail.html).not.toContain('<Sons>');
    expect(invitationEmail({ link: 'l', tenantName: 'Acme', customer: true, expiresAt: new Date() }).subject).toBe(
      "You are invited to Acme's customer self-service",
    );
  });

  it('tell the reader of a reset mail they did not ask for that nothing changes', () => {
    const mail = passwordResetEmail({
      link: 'https://x/reset-password#token=t',
      tenantName: 'Acme',
      expiresAt: new Date('2026-12-06T11:00:00Z'),
    });
    expect(mail.subject).toBe('Reset your password for Acme');
    expect(mail.text).toContain('https://x/reset-password#token=t');
    expect(mail.text).toContain('your password stays as it is');
  });
});

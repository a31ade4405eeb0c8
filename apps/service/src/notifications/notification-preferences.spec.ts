import { notificationEmail } from './notification-email';
import { DEFAULT_PREFERENCES, validatePreferences, wantsEmail } from './notification-preferences';

describe('notification preferences', () => {
  it('emails nobody who made no choice', () => {
    expect(wantsEmail(DEFAULT_PREFERENCES, 'SLA_WARNING')).toBe(false);
  });

  it('emails every kind, or only the kinds chosen', () => {
    expect(wantsEmail({ email: true, kinds: null }, 'CASE_ASSIGNED')).toBe(true);
    expect(wantsEmail({ email: true, kinds: ['SLA_WARNING'] }, 'SLA_WARNING')).toBe(true);
    expect(wantsEmail({ email: true, kinds: ['SLA_WARNING'] }, 'SLA_BREACHED')).toBe(false);
    expect(wantsEmail({ email: false, kinds: ['SLA_WARNING'] }, 'SLA_WARNING')).toBe(false);
  });

  it('refuses an unknown kind or a missing choice, naming the field', () => {
    expect(() => validatePreferences({ email: true, kinds: ['SLA_WARNING', 'NOPE'] })).toThrow(/NOPE/);
    expect(() => validatePreferences({ email: true, kinds: ['NOPE'] })).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'kinds' }) }),
    );
    expect(() => validatePreferences({ email: null })).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'email' }) }),
    );
    expect(validatePreferences({ email: true, kinds: ['SLA_WARNING', 'SLA_WARNING'] })).toEqual({ email: true, kinds: ['SLA_WARNING'] });
  });
});

describe('notification email', () => {
  const notification = {
    id: '0190f5a4-7c1e-7b3a-9d2e-5f4c3b2a1908',
    recipientId: '0190f5a4-7c1e-7b3a-9d2e-5f4c3b2a1909',
    kind: 'SLA_BREACHED' as const,
    caseId: '0190f5a4-7c1e-7b3a-9d2e-5f4c3b2a1910',
    webhookEndpointId: null,
    activityId: null,
    dueAt: '2026-12-06T10:00:00.000Z',
    createdAt: '2026-12-06T10:00:01.000Z',
  };

  it('has one Message-ID per notification, the case in the subject, no header injection', () => {
    const mail = notificationEmail({ notification, to: 'a@b.test', caseSubject: 'Broken\r\nBcc: x@y.test', appUrl: 'https://crm.test' });
    expect(mail.messageId).toBe(`notification-${notification.id}`);
    expect(mail.subject).toBe("A case's clock ran out: Broken Bcc: x@y.test");
    expect(mail.text).toContain('Due: 2026-12-06T10:00:00.000Z');
  });
});

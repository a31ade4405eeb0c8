import type { EmailMessage } from '@rapport/channels';
import type { NotificationSnapshotV1, ServiceNotificationKindV1 } from '@rapport/contracts';
import { escapeHtml } from '../satisfaction-survey/survey-email';

const HEADLINES: Record<ServiceNotificationKindV1, string> = {
  CASE_ESCALATED: 'A case was escalated into a queue you manage',
  WEBHOOK_DISABLED: 'A webhook endpoint kept failing and was disabled',
  ACTIVITY_DUE: 'An activity of yours is due',
  CASE_ASSIGNED: 'A case was assigned to you',
  SLA_WARNING: "A case's clock is about to run out",
  SLA_BREACHED: "A case's clock ran out",
};

/**
 * One notification as an email to its recipient. The Message-ID is derived
 * from the notification's id, so a send repeated after a crash is the same
 * message to the recipient's mail server. Auto-Submitted keeps answering
 * machines quiet.
 */
export function notificationEmail(input: {
  notification: NotificationSnapshotV1;
  to: string;
  caseSubject?: string | null;
  appUrl: string;
}): EmailMessage {
  const n = input.notification;
  const headline = HEADLINES[n.kind] ?? 'You have a notification';
  const about = input.caseSubject ? `: ${input.caseSubject}` : '';
  const subject = `${headline}${about}`.replace(/[\r\n]+/g, ' ').slice(0, 250);
  const lines = [`${headline}${about}.`];
  if (n.dueAt) lines.push(`Due: ${n.dueAt}`);
  lines.push('', `See your notifications in Rapport: ${input.appUrl}`, '', 'You receive this because you chose email notifications.');
  const html = [
    `<p>${escapeHtml(headline + about)}.</p>`,
    n.dueAt ? `<p>Due: ${escapeHtml(n.dueAt)}</p>` : '',
    `<p><a href="${escapeHtml(input.appUrl)}">See your notifications in Rapport</a></p>`,
    '<p>You receive this because you chose email notifications.</p>',
  ]
    .filter(Boolean)
    .join('\n');
  return {
    messageId: `notification-${n.id}`,
    to: input.to,
    subject,
    text: lines.join('\n'),
    html,
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

import type { EmailMessage } from '@rapport/channels';

export const RATINGS = [1, 2, 3, 4, 5] as const;
const LABELS: Record<number, string> = { 1: 'Very unhappy', 2: 'Unhappy', 3: 'Neutral', 4: 'Happy', 5: 'Very happy' };

/**
 * The survey sent when a case is resolved: one link per rating (each a
 * single click, no login), in text and HTML. Service mail, not marketing:
 * no unsubscribe link, but Auto-Submitted so answering machines stay quiet.
 */
export function surveyEmail(input: {
  messageId: string;
  to: string;
  subject: string;
  linkFor: (rating: number) => string;
  /** The case's reply address (email-to-case), so an answer in words threads onto the case. */
  replyTo?: string | null;
}): EmailMessage {
  const subject = `How did we do? ${input.subject}`.replace(/[\r\n]+/g, ' ').slice(0, 250);
  const text = [
    `Your case "${input.subject}" has been resolved. How happy are you with the help you got?`,
    '',
    ...RATINGS.map((r) => `${r} – ${LABELS[r]}: ${input.linkFor(r)}`),
    '',
    'One click records your answer; no login needed.',
  ].join('\n');
  const html = [
    `<p>Your case “${escapeHtml(input.subject)}” has been resolved. How happy are you with the help you got?</p>`,
    '<p>',
    ...RATINGS.map((r) => `<a href="${escapeHtml(input.linkFor(r))}">${r} – ${LABELS[r]}</a><br>`),
    '</p>',
    '<p>One click records your answer; no login needed.</p>',
  ].join('\n');
  const headers: Record<string, string> = { 'Auto-Submitted': 'auto-generated' };
  if (input.replyTo) headers['Reply-To'] = input.replyTo;
  return { messageId: input.messageId, to: input.to, subject, text, html, headers };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

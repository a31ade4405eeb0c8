import type { EmailMessage } from '@rapport/channels';
import { subjectWithToken } from './support-address';

/**
 * The answer to an email that opened a case: it says the case exists, gives
 * the reply address that threads onto it, and marks itself auto-replied
 * (RFC 3834) so the customer's own answering machine does not answer it.
 */
export function acknowledgement(input: {
  messageId: string;
  to: string;
  subject: string;
  originalMessageId: string;
  replyTo: string;
  token: string;
  notes: string[];
}): EmailMessage {
  const subject = subjectWithToken(`Re: ${input.subject || 'your message'}`.replace(/^Re: (Re: )+/i, 'Re: '), input.token);
  const lines = [
    'Thank you for writing to us. We have opened a case for your message and will answer as soon as we can.',
    '',
    'To add anything, reply to this email: your reply goes onto the same case.',
    ...(input.notes.length > 0 ? ['', ...input.notes] : []),
  ];
  const quoted = `<${input.originalMessageId}>`;
  return {
    messageId: input.messageId,
    to: input.to,
    subject: subject.replace(/[\r\n]+/g, ' '),
    text: lines.join('\n'),
    headers: { 'Reply-To': input.replyTo, 'Auto-Submitted': 'auto-replied', 'In-Reply-To': quoted, References: quoted },
  };
}

import { badUserInput } from '@rapport/auth';
import { validate } from '@rapport/service-kit';
import type { SendChannel, TemplateContent } from '../vocabulary/messages';
import { checkTemplate } from './template-rules';

/** The longest SMS body accepted: ten concatenated segments. */
const SMS_MAX = 1600;

/** Subject, text and HTML of one message, checked for its channel (unknown variables, unescaped output, sizes). */
export function checkContent(
  field: string,
  channel: SendChannel,
  input: { subject?: string | null; text: string; html?: string | null },
): TemplateContent {
  const subject = validate.text(`${field}.subject`, input.subject, { max: 300 });
  if (channel === 'EMAIL' && !subject) throw badUserInput(`${field}.subject`, 'an email needs a subject');
  const text = validate.requiredText(`${field}.text`, input.text, channel === 'SMS' ? SMS_MAX : 100_000);
  const html = validate.text(`${field}.html`, input.html, { max: 500_000 });
  if (html && channel !== 'EMAIL') throw badUserInput(`${field}.html`, `only email has an HTML body (channel ${channel})`);
  if (subject) checkTemplate(`${field}.subject`, subject);
  checkTemplate(`${field}.text`, text);
  if (html) checkTemplate(`${field}.html`, html);
  return { subject, text, html };
}

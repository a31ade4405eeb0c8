/**
 * The words campaigns, journeys, sending and templates share: what a
 * message goes over, what it is for (consent is given per purpose), and what
 * it says. Kept apart from any one feature so none reaches into another's
 * input types for them.
 */

/** The channels marketing sends over (consent also knows PHONE and POST, which nothing sends). */
export const SEND_CHANNELS = ['EMAIL', 'SMS', 'PUSH'] as const;
export type SendChannel = (typeof SEND_CHANNELS)[number];

/** What a message is for; a contact consents per channel and purpose. */
export type Purpose = 'MARKETING' | 'SERVICE' | 'RESEARCH';

/**
 * Why a journey exists. MARKETING journeys hold while the contact has an
 * open complaint; SERVICE_RECOVERY journeys run only then (and end when the
 * last complaint is resolved), sending as SERVICE messages. SERVICE and
 * RESEARCH journeys send for that consent purpose, as before.
 */
export type JourneyPurpose = 'MARKETING' | 'SERVICE_RECOVERY' | 'SERVICE' | 'RESEARCH';
export const JOURNEY_PURPOSES: readonly JourneyPurpose[] = ['MARKETING', 'SERVICE_RECOVERY', 'SERVICE', 'RESEARCH'];

/** The consent purpose a journey's messages go out under: recovery is a service conversation. */
export function messagePurpose(purpose: JourneyPurpose): Purpose {
  return purpose === 'SERVICE_RECOVERY' ? 'SERVICE' : purpose;
}

/** One message's content as Mustache templates: subject (email only), plain text, and HTML (email only). */
export interface TemplateContent {
  subject: string | null;
  text: string;
  html: string | null;
}

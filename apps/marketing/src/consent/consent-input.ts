import { badUserInput } from '@rapport/auth';
import type { ConsentChannelV1, ConsentPurposeV1 } from '@rapport/contracts';
import { validate } from '@rapport/service-kit';

export const CONSENT_CHANNELS: readonly ConsentChannelV1[] = ['EMAIL', 'SMS', 'PHONE', 'POST', 'PUSH'];
export const CONSENT_PURPOSES: readonly ConsentPurposeV1[] = ['MARKETING', 'SERVICE', 'RESEARCH'];

export interface SetConsentInput {
  contactId: string;
  channel: ConsentChannelV1;
  purpose?: ConsentPurposeV1 | null;
  status: 'OPTED_IN' | 'OPTED_OUT';
  source: string;
  proof?: string | null;
  doubleOptIn?: boolean | null;
}

export interface ConsentChange {
  contactId: string;
  channel: ConsentChannelV1;
  purpose: ConsentPurposeV1;
  status: 'OPTED_IN' | 'OPTED_OUT';
  source: string;
  proof: string | null;
  doubleOptIn: boolean;
}

/** Checks a setConsent input; every problem names its field. */
export function validateConsentInput(input: SetConsentInput): ConsentChange {
  const contactId = validate.requireUuid('input.contactId', input.contactId);
  if (!CONSENT_CHANNELS.includes(input.channel)) throw badUserInput('input.channel', `unknown channel ${JSON.stringify(input.channel)}`);
  const purpose = input.purpose ?? 'MARKETING';
  if (!CONSENT_PURPOSES.includes(purpose)) throw badUserInput('input.purpose', `unknown purpose ${JSON.stringify(purpose)}`);
  if (input.status !== 'OPTED_IN' && input.status !== 'OPTED_OUT') {
    throw badUserInput('input.status', 'must be OPTED_IN or OPTED_OUT (PENDING is what double opt-in records by itself)');
  }
  const source = validate.requiredText('input.source', input.source, 100);
  const proof = validate.text('input.proof', input.proof, { max: 2000 });
  const doubleOptIn = input.doubleOptIn ?? false;
  if (doubleOptIn && input.status !== 'OPTED_IN') throw badUserInput('input.doubleOptIn', 'only an opt-in can be double-confirmed');
  if (doubleOptIn && input.channel !== 'EMAIL')
    throw badUserInput('input.doubleOptIn', 'double opt-in is confirmed by email, so it needs channel EMAIL');
  return { contactId, channel: input.channel, purpose, status: input.status, source, proof, doubleOptIn };
}

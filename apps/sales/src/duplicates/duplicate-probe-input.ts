import { validate, type PhoneDefault } from '@rapport/service-kit';
import { normaliseEmails, normalisePhones } from '../contacts/contact-input';
import type { DuplicateProbe } from './duplicates.service';

/**
 * A prospective contact to look for duplicates of, checked as a contact's own
 * fields are: the values reach SQL as parameters, so an account id that is
 * not a UUID or text with a NUL would otherwise fail in Postgres.
 */
export function duplicateProbeInput(input: DuplicateProbe, phoneDefault: PhoneDefault | null): DuplicateProbe {
  return {
    firstName: validate.text('input.firstName', input.firstName, { max: 100 }),
    lastName: validate.text('input.lastName', input.lastName, { max: 100 }),
    emails: normaliseEmails('input.emails', input.emails),
    phones: normalisePhones('input.phones', input.phones, phoneDefault),
    accountId: validate.optionalUuid('input.accountId', input.accountId),
    accountName: validate.text('input.accountName', input.accountName, { max: 200 }),
  };
}

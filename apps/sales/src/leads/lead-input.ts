import { badUserInput } from '@rapport/auth';
import { validate } from '@rapport/service-kit';
import type { LeadStatus } from './lead-rules';

export interface LeadFieldsInput {
  firstName?: string | null;
  lastName?: string;
  company?: string | null;
  email?: string | null;
  phone?: string | null;
  source?: string | null;
  ownerId?: string | null;
  score?: number | null;
  status?: LeadStatus | null;
}

export interface CreateLeadInput extends LeadFieldsInput {
  lastName: string;
}

/** Same rule as contact phones, so a converted lead's phone is always a valid contact phone. */
const PHONE = /^\+?[0-9 ()./-]{3,32}$/;

/** Validators per lead field, each naming its field; the lead service applies those present in the input. */
export const LEAD_FIELDS = {
  firstName: (v: string | null | undefined) => validate.text('firstName', v, { max: 100 }),
  lastName: (v: string | null | undefined) => validate.requiredText('lastName', v, 100),
  company: (v: string | null | undefined) => validate.text('company', v, { max: 200 }),
  email: (v: string | null | undefined) => (v == null || v.trim() === '' ? null : validate.email('email', v)),
  phone: (v: string | null | undefined) => {
    const p = validate.text('phone', v, { max: 32 });
    if (p && !PHONE.test(p)) throw badUserInput('phone', `${JSON.stringify(p)} is not a phone number`);
    return p;
  },
  source: (v: string | null | undefined) => validate.text('source', v, { max: 50 })?.toLowerCase() ?? null,
};

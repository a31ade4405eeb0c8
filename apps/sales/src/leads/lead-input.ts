import { validate, type PhoneDefault } from '@rapport/service-kit';
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

/** Validators per lead field, each naming its field; the lead service applies those present in the input. */
export const LEAD_FIELDS = {
  firstName: (v: string | null | undefined) => validate.text('firstName', v, { max: 100 }),
  lastName: (v: string | null | undefined) => validate.requiredText('lastName', v, 100),
  company: (v: string | null | undefined) => validate.text('company', v, { max: 200 }),
  email: (v: string | null | undefined) => (v == null || v.trim() === '' ? null : validate.email('email', v)),
  /** Same rule as contact phones (E.164), so a converted lead's phone is always a valid contact phone. */
  phone: (v: string | null | undefined, defaultRegion: PhoneDefault | null) => validate.phone('phone', v, defaultRegion),
  source: (v: string | null | undefined) => validate.text('source', v, { max: 50 })?.toLowerCase() ?? null,
};

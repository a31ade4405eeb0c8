import { badUserInput } from '@rapport/auth';
import { validate } from '@rapport/service-kit';

export interface ExternalIdInput {
  source: string;
  key: string;
}

const MAX_LIST = 10;
const PHONE = /^\+?[0-9 ()./-]{3,32}$/;

/** Lower-cases, trims and de-duplicates emails, keeping the first as primary. */
export function normaliseEmails(field: string, emails: string[] | null | undefined): string[] {
  const list = validate.listOf(field, emails, MAX_LIST).map((e, i) => validate.email(`${field}[${i}]`, e));
  return [...new Set(list)];
}

export function normalisePhones(field: string, phones: string[] | null | undefined): string[] {
  const list = validate.listOf(field, phones, MAX_LIST).map((p, i) => {
    const v = validate.requiredText(`${field}[${i}]`, p, 32);
    if (!PHONE.test(v)) throw badUserInput(`${field}[${i}]`, `${JSON.stringify(v)} is not a phone number`);
    return v;
  });
  return [...new Set(list)];
}

/** Validates external ids and refuses the same (source, key) twice in one request. */
export function normaliseExternalIds(field: string, ids: ExternalIdInput[] | null | undefined): ExternalIdInput[] {
  const list = validate.listOf(field, ids, 20).map((id, i) => ({
    source: validate.requiredText(`${field}[${i}].source`, id.source, 50).toLowerCase(),
    key: validate.requiredText(`${field}[${i}].key`, id.key, 200),
  }));
  const seen = new Set<string>();
  list.forEach((id, i) => {
    const k = `${id.source}\u0000${id.key}`;
    if (seen.has(k)) throw badUserInput(`${field}[${i}]`, `duplicate external id ${id.source}:${id.key}`);
    seen.add(k);
  });
  return list;
}

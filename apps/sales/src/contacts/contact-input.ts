import { badUserInput } from '@rapport/auth';
import { validate, type PhoneDefault } from '@rapport/service-kit';

export interface ExternalIdInput {
  source: string;
  key: string;
}

const MAX_LIST = 10;

/** Lower-cases, trims and de-duplicates emails, keeping the first as primary. */
export function normaliseEmails(field: string, emails: string[] | null | undefined): string[] {
  const list = validate.listOf(field, emails, MAX_LIST).map((e, i) => validate.email(`${field}[${i}]`, e));
  return [...new Set(list)];
}

/** Phone numbers in E.164 (read in the tenant's default country when they have none), de-duplicated, primary first. */
export function normalisePhones(field: string, phones: string[] | null | undefined, defaultRegion: PhoneDefault | null): string[] {
  const list = validate
    .listOf(field, phones, MAX_LIST)
    .map((p, i) => validate.phone(`${field}[${i}]`, validate.requiredText(`${field}[${i}]`, p, 50), defaultRegion) as string);
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

export type AddressKind = 'BILLING' | 'SHIPPING' | 'OTHER';
const ADDRESS_KINDS: readonly AddressKind[] = ['BILLING', 'SHIPPING', 'OTHER'];

export interface PostalAddress {
  kind: AddressKind;
  street: string | null;
  city: string | null;
  postalCode: string | null;
  region: string | null;
  /** ISO 3166-1 alpha-2, upper-case. */
  country: string | null;
}

export type PostalAddressInput = { kind: AddressKind } & Partial<Omit<PostalAddress, 'kind'>>;

const MAX_ADDRESSES = 10;
export const MAX_TAGS = 20;

/** Validates postal addresses: known kind, bounded text, a country as its ISO 3166-1 alpha-2 code (a name is mapped). */
export function normaliseAddresses(field: string, addresses: PostalAddressInput[] | null | undefined): PostalAddress[] {
  return validate.listOf(field, addresses, MAX_ADDRESSES).map((a, i) => {
    const f = `${field}[${i}]`;
    if (!ADDRESS_KINDS.includes(a.kind)) throw badUserInput(`${f}.kind`, `kind must be one of ${ADDRESS_KINDS.join(', ')}`);
    const country = validate.country(`${f}.country`, a.country);
    return {
      kind: a.kind,
      street: validate.text(`${f}.street`, a.street, { max: 200 }),
      city: validate.text(`${f}.city`, a.city, { max: 100 }),
      postalCode: validate.text(`${f}.postalCode`, a.postalCode, { max: 20 }),
      region: validate.text(`${f}.region`, a.region, { max: 100 }),
      country,
    };
  });
}

/** Tags: trimmed, lower-case, inner whitespace collapsed, de-duplicated, 1–50 characters each, at most 20. */
export function normaliseTags(field: string, tags: string[] | null | undefined): string[] {
  const list = validate
    .listOf(field, tags, 100)
    .map((t, i) => validate.requiredText(`${field}[${i}]`, t, 50).toLowerCase().replace(/\s+/g, ' '));
  const unique = [...new Set(list)];
  if (unique.length > MAX_TAGS) throw badUserInput(field, `at most ${MAX_TAGS} tags`);
  return unique;
}

/** Record source (e.g. "import", "webshop"): lower-case, up to 50 characters. */
export function normaliseSource(field: string, source: string | null | undefined): string | null {
  return validate.text(field, source, { max: 50 })?.toLowerCase() ?? null;
}

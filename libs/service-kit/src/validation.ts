import { badUserInput } from '@rapport/auth';
import { toCountryCode } from './country-codes';

/**
 * Input checks beyond what GraphQL types express. Each names the offending
 * field, so clients can point at it, and runs before any write.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function requireUuid(field: string, value: string): string {
  if (!UUID.test(value)) throw badUserInput(field, `${JSON.stringify(value.slice(0, 60))} is not a valid id (UUID)`);
  return value.toLowerCase();
}

export function optionalUuid(field: string, value: string | null | undefined): string | null | undefined {
  return value == null ? value : requireUuid(field, value);
}

/** Trims; rejects over-long text; turns blank into null unless required. */
/** C0 control characters other than tab and line breaks, and DEL: PostgreSQL refuses NUL in text, and none of them belongs in a name or note. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return true;
  }
  return false;
}

export function text(field: string, value: string | null | undefined, opts: { max: number; required?: boolean }): string | null {
  if (value != null && hasControlCharacter(value)) throw badUserInput(field, 'must not contain control characters');
  const trimmed = value?.trim() ?? '';
  if (trimmed.length === 0) {
    if (opts.required) throw badUserInput(field, 'must not be empty');
    return null;
  }
  if (trimmed.length > opts.max) throw badUserInput(field, `must be at most ${opts.max} characters (got ${trimmed.length})`);
  return trimmed;
}

export function requiredText(field: string, value: string | null | undefined, max: number): string {
  return text(field, value, { max, required: true }) as string;
}

export function email(field: string, value: string): string {
  const v = requiredText(field, value, 254).toLowerCase();
  if (!EMAIL.test(v)) throw badUserInput(field, `${JSON.stringify(v)} is not an email address`);
  return v;
}

/** Clamps a connection's page size; rejects nonsense rather than guessing. */
/** A page size argument (`first`, or `last` for a backward page): the default when absent, else 1…max. */
export function pageSize(size: number | null | undefined, opts = { default: 20, max: 100 }, field: 'first' | 'last' = 'first'): number {
  if (size == null) return opts.default;
  if (!Number.isInteger(size) || size < 1 || size > opts.max) throw badUserInput(field, `must be between 1 and ${opts.max}`);
  return size;
}

export function listOf<T>(field: string, values: T[] | null | undefined, max: number): T[] {
  const list = values ?? [];
  if (list.length > max) throw badUserInput(field, `at most ${max} entries (got ${list.length})`);
  return list;
}

/**
 * A country as an ISO 3166-1 alpha-2 code: a code (any case) or an English
 * country name ("Germany") is accepted and stored as the code; anything else
 * is refused with the forms that would do. Blank is null.
 */
export function country(field: string, value: string | null | undefined): string | null {
  const given = text(field, value, { max: 100 });
  if (given === null) return null;
  const code = toCountryCode(given);
  if (!code) {
    throw badUserInput(
      field,
      `${JSON.stringify(given.slice(0, 60))} is not a country: give an ISO 3166-1 alpha-2 code (e.g. DE, US) or an English country name (e.g. Germany)`,
    );
  }
  return code;
}
export { phone } from './phone-numbers';

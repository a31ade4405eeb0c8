import { badUserInput } from '@rapport/auth';
import {
  getCountries,
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js/max';

/**
 * Phone numbers, parsed and checked by libphonenumber-js (Google's
 * libphonenumber metadata, full "max" set so validity is checked against
 * each country's real number ranges, not only lengths) and stored in E.164
 * (+493055512345), so the same number is the same string whichever way it
 * was written: "+49 (0)30 555-1234", "0049 30 5551234" and, under a German
 * default, "030 5551234". A number without a country prefix is read in the
 * tenant's default: an ISO 3166-1 country ("DE") or a calling code ("+49").
 */
export type PhoneDefault = string;

const CALLING_CODES = new Set(getCountries().map((c) => getCountryCallingCode(c)));

/** Why a tenant phone default is not one (null when it is); "DE" or "+49". */
export function phoneDefaultProblem(value: string): string | null {
  if (/^\+\d{1,4}$/.test(value)) return CALLING_CODES.has(value.slice(1)) ? null : `${value} is not a country calling code`;
  if (/^[A-Z]{2}$/.test(value)) return isSupportedCountry(value) ? null : `${value} is not a country with phone numbers`;
  return 'give an ISO 3166-1 country code (e.g. DE) or a country calling code (e.g. +49)';
}

/** The calling code ("+49") of a phone default, or null. */
export function callingCodeOf(defaultRegion: PhoneDefault | null): string | null {
  if (!defaultRegion) return null;
  if (defaultRegion.startsWith('+')) return defaultRegion;
  return isSupportedCountry(defaultRegion) ? `+${getCountryCallingCode(defaultRegion as CountryCode)}` : null;
}

function parse(value: string, defaultRegion: PhoneDefault | null) {
  const options = !defaultRegion
    ? {}
    : defaultRegion.startsWith('+')
      ? { defaultCallingCode: defaultRegion.slice(1) }
      : { defaultCountry: defaultRegion as CountryCode };
  // 00 is the international prefix nearly everywhere (Europe, Africa, most of Asia): read it as +.
  return parsePhoneNumberFromString(value.replace(/^\s*00/, '+'), options);
}

/** The E.164 form of a valid number, or null when it is not one. */
export function e164(value: string, defaultRegion: PhoneDefault | null): string | null {
  const n = parse(value, defaultRegion);
  return n?.isValid() ? n.number : null;
}

/**
 * A phone number in E.164; BAD_USER_INPUT on `field` when it is not a valid
 * number (saying to add the country when none was given or known). Blank is null.
 */
export function phone(field: string, value: string | null | undefined, defaultRegion: PhoneDefault | null): string | null {
  if (value == null || value.trim() === '') return null;
  if (value.length > 50) throw badUserInput(field, 'at most 50 characters');
  const number = e164(value, defaultRegion);
  if (number) return number;
  const hint =
    !defaultRegion && !/^\s*(\+|00)/.test(value)
      ? ': write it with its country code (+49 …), or set the tenant default country (duplicate rules, defaultCountryCode)'
      : '';
  throw badUserInput(field, `${JSON.stringify(value.slice(0, 50))} is not a valid phone number${hint}`);
}

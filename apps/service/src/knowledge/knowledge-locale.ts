import { badUserInput } from '@rapport/auth';
import { validate } from '@rapport/service-kit';

/** A BCP 47-style language tag: a 2–3 letter language, then subtags (de, de-CH, zh-Hant-TW). Letters, digits and '-' only. */
const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export function parseLocale(field: string, value: string | null | undefined): string {
  const locale = validate.requiredText(field, value, 20);
  if (!LOCALE.test(locale)) throw badUserInput(field, 'must be a language tag such as en or de-CH');
  return locale;
}

/**
 * Whether an article in `article` locale serves a reader asking for
 * `wanted`: the same tag, or one a more specific form of the other (case
 * does not matter). So `de` finds de, de-CH and de-AT; `de-CH` finds de-CH
 * and the general de, not de-AT. Mirrored in SQL by `localeCondition`.
 */
export function localesMatch(article: string, wanted: string): boolean {
  const a = article.toLowerCase();
  const w = wanted.toLowerCase();
  return a === w || a.startsWith(`${w}-`) || w.startsWith(`${a}-`);
}

/**
 * SQL for `localesMatch(column, $param)`; `param` must hold a lower-cased
 * tag that passed parseLocale (so it has no LIKE wildcards).
 */
export function localeCondition(column: string, param: string): string {
  return `(lower(${column}) = ${param} OR lower(${column}) LIKE ${param} || '-%' OR ${param} LIKE lower(${column}) || '-%')`;
}

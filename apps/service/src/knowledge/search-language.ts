/**
 * The PostgreSQL text-search configuration an article version is indexed
 * and searched with follows its own locale: a German article stems as
 * German ("Häuser" is found by "Haus"), an English one as English, in the
 * same tenant. Keyed by the locale's primary language subtag (ISO 639-1,
 * and the 3-letter codes where that is the only one); each value is a
 * configuration PostgreSQL ships. A locale not listed (zh, ja, …) falls
 * back to the tenant's configured language.
 */
export const LANGUAGE_OF_LOCALE: Readonly<Record<string, string>> = {
  ar: 'arabic',
  ca: 'catalan',
  da: 'danish',
  de: 'german',
  el: 'greek',
  en: 'english',
  es: 'spanish',
  eu: 'basque',
  fi: 'finnish',
  fr: 'french',
  ga: 'irish',
  hi: 'hindi',
  hu: 'hungarian',
  hy: 'armenian',
  id: 'indonesian',
  it: 'italian',
  lt: 'lithuanian',
  nb: 'norwegian',
  ne: 'nepali',
  nl: 'dutch',
  nn: 'norwegian',
  no: 'norwegian',
  pt: 'portuguese',
  ro: 'romanian',
  ru: 'russian',
  sr: 'serbian',
  sv: 'swedish',
  ta: 'tamil',
  tr: 'turkish',
  yi: 'yiddish',
};

/** The configuration for a locale (any case), or `fallback` (the tenant's language) when its language has none. */
export function searchLanguageFor(locale: string, fallback: string): string {
  return LANGUAGE_OF_LOCALE[locale.split('-')[0].toLowerCase()] ?? fallback;
}

/**
 * ISO 3166-1 alpha-2 country codes and their English names, from ICU (Node's
 * full ICU), so names in imports ("Germany", "united kingdom") map to codes
 * without a hand-kept table. ICU also names a few regions that are not
 * countries or only exceptionally reserved codes; those are left out
 * (Kosovo's XK stays: it is what everyone uses), and so are withdrawn codes
 * ICU still names (FX "France", SU "Russia", YU "Serbia"): they would
 * otherwise take the name from the country's real code.
 */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'ZZ', 'AC', 'CP', 'CQ', 'DG', 'EA', 'IC', 'TA', 'UK']);
/** Everyday names ICU does not give. */
const ALIASES: Record<string, string> = { usa: 'US', 'united states of america': 'US', 'great britain': 'GB', 'the netherlands': 'NL' };
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** Every code with its English name(s): ICU's standard name and its short form where it has one (e.g. "UK"). */
function buildTables(): { codes: Set<string>; byName: Map<string, string> } {
  const codes = new Set<string>();
  const byName = new Map<string, string>();
  const short = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none', style: 'short' });
  for (const a of LETTERS) {
    for (const b of LETTERS) {
      const code = a + b;
      const name = names.of(code);
      if (!name || NOT_COUNTRIES.has(code) || isWithdrawn(code)) continue;
      codes.add(code);
      for (const n of [name, short.of(code)]) if (n) byName.set(normalise(n), code);
    }
  }
  for (const [alias, code] of Object.entries(ALIASES)) byName.set(alias, code);
  return { codes, byName };
}

/** A withdrawn code is one ICU canonicalises to its successor (und-FX → und-FR). */
const isWithdrawn = (code: string) => Intl.getCanonicalLocales(`und-${code}`)[0] !== `und-${code}`;

const normalise = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^a-z]+/g, ' ')
    .trim();

let tables: ReturnType<typeof buildTables> | null = null;

/** The ISO code for a code or an English country name (case and accents ignored); null when it is neither. */
export function toCountryCode(value: string): string | null {
  tables ??= buildTables();
  const trimmed = value.trim();
  if (tables.codes.has(trimmed.toUpperCase())) return trimmed.toUpperCase();
  // Names include short forms, so "UK" (reserved, not assigned) still means GB.
  return tables.byName.get(normalise(trimmed)) ?? null;
}

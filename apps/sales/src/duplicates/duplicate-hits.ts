import { phoneKey, rankCandidates, type DuplicateRuleConfig, type DuplicateRuleType } from './duplicate-rules';
import type { DuplicateCandidate, DuplicateProbe } from './duplicates.service';

/**
 * What a batch's duplicate lookups found, per probe: contact id → the rules
 * it matched. Shared by every way of looking (the e-mail and phone keys asked
 * for, how the answers map back to probes, and the final ranking), so each
 * gives a probe the same verdict.
 */
export class DuplicateHits {
  private readonly hits: Map<string, Set<DuplicateRuleType>>[];

  constructor(
    probes: readonly DuplicateProbe[],
    private readonly exclude: readonly string[],
  ) {
    this.hits = probes.map(() => new Map());
  }

  add(n: number, id: string, rule: DuplicateRuleType): void {
    if (this.exclude.includes(id)) return;
    const rules = this.hits[n].get(id) ?? new Set<DuplicateRuleType>();
    rules.add(rule);
    this.hits[n].set(id, rules);
  }

  /** Per probe, its hits (to drop hidden ones in place). */
  get perProbe(): Map<string, Set<DuplicateRuleType>>[] {
    return this.hits;
  }

  /** Candidates per probe: scored per the config, below minScore dropped, best first (ties by id). */
  ranked(config: DuplicateRuleConfig): DuplicateCandidate[][] {
    return this.hits.map((m) => rankCandidates(config, m).map(({ id, ...c }) => ({ contactId: id, ...c })));
  }
}

/** Lower-cased e-mail → the probes that have it. */
export function wantedEmails(probes: readonly DuplicateProbe[]): Map<string, number[]> {
  const wanted = new Map<string, number[]>();
  probes.forEach((p, n) => (p.emails ?? []).forEach((e) => wanted.set(e.toLowerCase(), [...(wanted.get(e.toLowerCase()) ?? []), n])));
  return wanted;
}

/** Phone key → the probes that have it (keys of fewer than three digits match nothing). */
export function wantedPhones(probes: readonly DuplicateProbe[], defaultCountryCode: string | null): Map<string, number[]> {
  const wanted = new Map<string, number[]>();
  probes.forEach((p, n) =>
    (p.phones ?? []).forEach((ph) => {
      const k = phoneKey(ph, defaultCountryCode);
      if (k.replace('+', '').length >= 3) wanted.set(k, [...(wanted.get(k) ?? []), n]);
    }),
  );
  return wanted;
}

/** A found contact's e-mails matched back to the probes that asked for them. */
export function addEmailHits(hits: DuplicateHits, wanted: Map<string, number[]>, id: string, emails: readonly string[]): void {
  for (const e of emails) for (const n of wanted.get(e) ?? []) hits.add(n, id, 'EXACT_EMAIL');
}

/** A found contact's phones matched back to the probes that asked for them (compared by key, as written). */
export function addPhoneHits(
  hits: DuplicateHits,
  wanted: Map<string, number[]>,
  id: string,
  phones: readonly string[],
  defaultCountryCode: string | null,
): void {
  for (const ph of phones) for (const n of wanted.get(phoneKey(ph, defaultCountryCode)) ?? []) hits.add(n, id, 'NORMALISED_PHONE');
}

/** The full name the fuzzy rule compares (lower case), or null when the probe has no last name. */
export function fuzzyName(p: DuplicateProbe): string | null {
  return p.lastName ? `${p.firstName ?? ''} ${p.lastName}`.toLowerCase().trim() : null;
}

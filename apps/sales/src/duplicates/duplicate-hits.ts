import { phoneKey, rankCandidates, type DuplicateRuleConfig, type DuplicateRuleType } from './duplicate-rules';
import type { DuplicateCandidate, DuplicateProbe } from './duplicates.service';

/**
 * What a batch's duplicate lookups found, per probe: contact id → the rules
 * it matched. Shared by every way of looking (the e-mail and phone keys asked
 * for, how the answers map back to probes, and the final ranking), so each
 * gives a probe the same verdict.
 *
 * A lookup many probes share (the name rule's distinct names: an import
 * repeats names, and each has a hundred candidates in a large tenant) is
 * kept once as a group rather than copied into every probe: a probe whose
 * only hits are one group gets that group's ranking, computed once — the
 * ranking of the same map, so the same candidates, scores and order.
 */
export class DuplicateHits {
  private readonly hits: Map<string, Set<DuplicateRuleType>>[];
  private readonly groups: { ids: readonly string[]; rule: DuplicateRuleType }[] = [];
  /** Per probe, the groups it is in. */
  private readonly groupsOf: number[][];

  constructor(
    probes: readonly DuplicateProbe[],
    private readonly exclude: readonly string[],
  ) {
    this.hits = probes.map(() => new Map());
    this.groupsOf = probes.map(() => []);
  }

  add(n: number, id: string, rule: DuplicateRuleType): void {
    if (this.exclude.includes(id)) return;
    const rules = this.hits[n].get(id) ?? new Set<DuplicateRuleType>();
    rules.add(rule);
    this.hits[n].set(id, rules);
  }

  /** The same hits (ids by one rule) for every probe in `probes`. */
  addGroup(probes: readonly number[], ids: readonly string[], rule: DuplicateRuleType): void {
    const kept = this.exclude.length ? ids.filter((id) => !this.exclude.includes(id)) : ids;
    if (kept.length === 0) return;
    const g = this.groups.push({ ids: kept, rule }) - 1;
    for (const n of probes) this.groupsOf[n].push(g);
  }

  /** Per probe, its hits (to drop hidden ones in place); groups are copied into their probes first. */
  get perProbe(): Map<string, Set<DuplicateRuleType>>[] {
    this.hits.forEach((_, n) => this.spread(n));
    return this.hits;
  }

  /** Candidates per probe: scored per the config, below minScore dropped, best first (ties by id). */
  ranked(config: DuplicateRuleConfig): DuplicateCandidate[][] {
    const byGroup = new Map<number, DuplicateCandidate[]>();
    return this.hits.map((m, n) => {
      const groups = this.groupsOf[n];
      if (m.size === 0 && groups.length === 1) {
        let list = byGroup.get(groups[0]);
        if (!list) {
          const { ids, rule } = this.groups[groups[0]];
          const only = new Set([rule]);
          list = candidates(config, new Map(ids.map((id) => [id, only])));
          byGroup.set(groups[0], list);
        }
        return list.slice();
      }
      this.spread(n);
      return candidates(config, m);
    });
  }

  /** Moves probe n's groups into its own hits. */
  private spread(n: number): void {
    for (const g of this.groupsOf[n]) for (const id of this.groups[g].ids) this.add(n, id, this.groups[g].rule);
    this.groupsOf[n] = [];
  }
}

function candidates(config: DuplicateRuleConfig, m: ReadonlyMap<string, ReadonlySet<DuplicateRuleType>>): DuplicateCandidate[] {
  return rankCandidates(config, m).map(({ id, ...c }) => ({ contactId: id, ...c }));
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

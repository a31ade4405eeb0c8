import { EVERY_RECORD, type RecordScope } from '@rapport/auth';
import type { EntityManager } from 'typeorm';
import { addEmailHits, addPhoneHits, DuplicateHits, fuzzyName, wantedEmails, wantedPhones } from './duplicate-hits';
import type { DuplicateRuleConfig } from './duplicate-rules';
import type { DuplicateCandidate, DuplicateProbe } from './duplicates.service';
import { dropHiddenCandidates } from './hidden-candidates';

/**
 * The contact duplicate search as it was before it became one statement
 * (ADR 057): a query per rule, the probe's account name read first, the
 * trigram threshold set around the name query, hidden candidates dropped by a
 * query of their own. Kept only as the reference the equivalence spec holds
 * DuplicatesService.findBatch to, row by row: the same candidates, scores and
 * rules for every probe.
 */
export async function findRuleByRule(
  em: EntityManager,
  config: DuplicateRuleConfig,
  probes: DuplicateProbe[],
  visible: RecordScope = EVERY_RECORD,
): Promise<DuplicateCandidate[][]> {
  const hits = new DuplicateHits(probes, []);
  const cc = config.defaultCountryCode;
  for (const rule of config.rules) {
    if (rule.type === 'EXACT_EMAIL') {
      const wanted = wantedEmails(probes);
      if (wanted.size === 0) continue;
      const rows: { id: string; emails: string[] }[] = await em.query(`SELECT id, emails FROM sales_contacts_by_emails($1::text[])`, [
        [...wanted.keys()],
      ]);
      for (const r of rows) addEmailHits(hits, wanted, r.id, r.emails);
    } else if (rule.type === 'NORMALISED_PHONE') {
      const wanted = wantedPhones(probes, cc);
      if (wanted.size === 0) continue;
      const rows: { id: string; phones: string[] }[] = await em.query(`SELECT id, phones FROM sales_contacts_by_phone_keys($1::text[])`, [
        [...wanted.keys()],
      ]);
      for (const r of rows) addPhoneHits(hits, wanted, r.id, r.phones, cc);
    } else {
      const threshold = rule.threshold ?? 0.6;
      const accountIds = [...new Set(probes.map((p) => p.accountId).filter((id): id is string => !!id))];
      const accountNames = new Map<string, string>(
        accountIds.length
          ? (await em.query(`SELECT id, name FROM accounts WHERE id = ANY($1::uuid[])`, [accountIds])).map(
              (a: { id: string; name: string }) => [a.id, a.name],
            )
          : [],
      );
      for (const [n, p] of probes.entries()) {
        const name = fuzzyName(p);
        if (name === null) continue;
        const account = (p.accountId ? accountNames.get(p.accountId) : p.accountName)?.toLowerCase() ?? null;
        await em.query(`SELECT set_config('pg_trgm.similarity_threshold', $1, true)`, [String(threshold)]);
        const rows: { id: string }[] = await em.query(`SELECT id FROM sales_contacts_by_fuzzy_name($1::text[], $2::text[], $3)`, [
          [name],
          [account],
          threshold,
        ]);
        rows.forEach((r) => hits.add(n, r.id, 'FUZZY_NAME'));
      }
    }
  }
  await dropHiddenCandidates(em, 'contacts', hits.perProbe, visible);
  return hits.ranked(config);
}

import { Injectable } from '@nestjs/common';
import { badUserInput, EVERY_RECORD, forbidden, inScope, notFound, requireRole, type Principal, type RecordScope } from '@rapport/auth';
import { ServiceDatabase, validate, AccessPolicy, SharingPolicy } from '@rapport/service-kit';
import { GraphQLError } from 'graphql';
import type { EntityManager } from 'typeorm';
import { requireRead } from '../access/sales-access';
import { publishSettingsChanged } from '../settings/settings-changed';
import { duplicateProbeInput } from './duplicate-probe-input';
import { dropHiddenCandidates } from './hidden-candidates';
import { ContactEntity } from '../contacts/contact.entity';
import {
  DEFAULT_DUPLICATE_RULES,
  phoneKey,
  scoreOf,
  validateDuplicateRules,
  type DuplicateRuleConfig,
  type DuplicateRuleType,
} from './duplicate-rules';

/** What duplicate matching looks at in a (prospective) contact. */
export interface DuplicateProbe {
  firstName?: string | null;
  lastName?: string | null;
  emails?: string[] | null;
  phones?: string[] | null;
  accountId?: string | null;
  /** Used for FUZZY_NAME when no accountId is given (e.g. an import row). */
  accountName?: string | null;
}

export interface DuplicateCandidate {
  contactId: string;
  score: number;
  /** The highest-weighted rule that matched. */
  rule: DuplicateRuleType;
  /** Every rule that matched. */
  rules: DuplicateRuleType[];
}

/** Duplicate matching rules per tenant and candidate search (set-based: one query per rule for a whole batch). */
@Injectable()
export class DuplicatesService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly access: AccessPolicy,
    private readonly sharing: SharingPolicy,
  ) {}

  async rules(principal: Principal): Promise<DuplicateRuleConfig> {
    requireRead(principal, 'contacts', await this.access.overrides(principal));
    return this.db.withTenant(principal.tenantId, (em) => this.rulesWithin(em));
  }

  async rulesWithin(em: EntityManager): Promise<DuplicateRuleConfig> {
    const [row] = await em.query(`SELECT config FROM duplicate_rules`);
    return row?.config ? (row.config as DuplicateRuleConfig) : DEFAULT_DUPLICATE_RULES;
  }

  /** Managers and admins set the tenant's rules. */
  async setRules(principal: Principal, input: Partial<DuplicateRuleConfig>): Promise<DuplicateRuleConfig> {
    if (principal.kind !== 'user') throw forbidden('duplicate rules are set by sales managers and admins');
    requireRole(principal, 'sales_manager');
    const config = validateDuplicateRules(input);
    await this.db.withTenant(principal.tenantId, async (em) => {
      await em.query(
        `INSERT INTO duplicate_rules (tenant_id, config, updated_by, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (tenant_id) DO UPDATE SET config = EXCLUDED.config, updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [principal.tenantId, JSON.stringify(config), principal.id],
      );
      await publishSettingsChanged(this.db, em, principal, 'duplicateRules', config);
    });
    return config;
  }

  /** Candidates for an existing contact (by id) or a prospective one (input), best first. */
  async find(principal: Principal, args: { contactId?: string | null; input?: DuplicateProbe | null }): Promise<DuplicateCandidate[]> {
    requireRead(principal, 'contacts', await this.access.overrides(principal));
    if ((args.contactId == null) === (args.input == null)) throw badUserInput('contactId', 'give exactly one of contactId or input');
    const visible = await this.sharing.readScope(principal, 'CONTACT');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const config = await this.rulesWithin(em);
      let probe: DuplicateProbe;
      const exclude: string[] = [];
      if (args.contactId != null) {
        const id = validate.requireUuid('contactId', args.contactId);
        const c = await em.getRepository(ContactEntity).findOneBy({ id });
        if (!c || !inScope(visible, c.ownerId)) throw notFound('Contact', id);
        probe = c;
        exclude.push(id);
      } else {
        probe = duplicateProbeInput(args.input as DuplicateProbe, config.defaultCountryCode);
      }
      return (await this.findBatch(em, config, [probe], exclude, visible))[0];
    });
  }

  /** BLOCK: refuses with CONFLICT, the candidates in extensions.duplicates. */
  static blocked(candidates: DuplicateCandidate[]): GraphQLError {
    return new GraphQLError(`possible duplicate of ${candidates.map((c) => c.contactId).join(', ')} (duplicate policy BLOCK)`, {
      extensions: { code: 'CONFLICT', field: 'duplicates', duplicates: candidates },
    });
  }

  /**
   * Candidates for many probes at once: one query per enabled rule for the
   * whole batch. Merged contacts and `exclude` are never candidates, nor
   * contacts outside `visible` (the caller's sharing scope): a candidate is
   * named to the caller, so a hidden one would reveal itself.
   */
  async findBatch(
    em: EntityManager,
    config: DuplicateRuleConfig,
    probes: DuplicateProbe[],
    exclude: string[] = [],
    visible: RecordScope = EVERY_RECORD,
  ): Promise<DuplicateCandidate[][]> {
    const hits = probes.map(() => new Map<string, Set<DuplicateRuleType>>());
    const hit = (n: number, id: string, rule: DuplicateRuleType) => {
      if (exclude.includes(id)) return;
      const rules = hits[n].get(id) ?? new Set<DuplicateRuleType>();
      rules.add(rule);
      hits[n].set(id, rules);
    };
    for (const rule of config.rules) {
      if (rule.type === 'EXACT_EMAIL') {
        const wanted = new Map<string, number[]>();
        probes.forEach((p, n) => (p.emails ?? []).forEach((e) => wanted.set(e.toLowerCase(), [...(wanted.get(e.toLowerCase()) ?? []), n])));
        if (wanted.size === 0) continue;
        // One GIN lookup for the whole batch, then matched to probes here.
        const rows: { id: string; emails: string[] }[] = await em.query(`SELECT id, emails FROM sales_contacts_by_emails($1::text[])`, [
          [...wanted.keys()],
        ]);
        for (const r of rows) for (const e of r.emails) for (const n of wanted.get(e) ?? []) hit(n, r.id, 'EXACT_EMAIL');
      } else if (rule.type === 'NORMALISED_PHONE') {
        const cc = config.defaultCountryCode;
        const wanted = new Map<string, number[]>();
        probes.forEach((p, n) =>
          (p.phones ?? []).forEach((ph) => {
            const k = phoneKey(ph, cc);
            if (k.replace('+', '').length >= 3) wanted.set(k, [...(wanted.get(k) ?? []), n]);
          }),
        );
        if (wanted.size === 0) continue;
        // Stored phones are E.164 (the keys themselves), so the GIN index finds them by key.
        const rows: { id: string; phones: string[] }[] = await em.query(`SELECT id, phones FROM sales_contacts_by_phone_keys($1::text[])`, [
          [...wanted.keys()],
        ]);
        for (const r of rows)
          for (const ph of r.phones) for (const n of wanted.get(phoneKey(ph, cc)) ?? []) hit(n, r.id, 'NORMALISED_PHONE');
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
        // Each distinct (name, account name) is looked up once: an import's rows repeat common names, and every
        // lookup is a trigram index search of its own (the cost of this rule). Its hits go to every probe that has it.
        const lookups = new Map<string, { name: string; account: string | null; probes: number[] }>();
        probes.forEach((p, n) => {
          if (!p.lastName) return;
          const name = `${p.firstName ?? ''} ${p.lastName}`.toLowerCase().trim();
          const account = (p.accountId ? accountNames.get(p.accountId) : p.accountName)?.toLowerCase() ?? null;
          const key = `${name}\u0000${account ?? ''}\u0000${account === null ? 0 : 1}`;
          const lookup = lookups.get(key) ?? { name, account, probes: [] };
          lookup.probes.push(n);
          lookups.set(key, lookup);
        });
        if (lookups.size === 0) continue;
        const distinct = [...lookups.values()];
        // `%` uses the trigram GIN index at this threshold; the account-name condition applies when both sides have an account.
        // Statistics lag behind a bulk import; without this the planner may pick a sequential scan per probe
        // (seen at 10k rows: 130 ms per 5 probes vs. about 1 ms with the index). Both settings are transaction-local.
        await em.query(`SELECT set_config('pg_trgm.similarity_threshold', $1, true), set_config('enable_seqscan', 'off', true)`, [
          String(threshold),
        ]);
        // Ordinality is 1-based; it maps back to the distinct lookup, and from there to its probes.
        const rows: { n: number; id: string }[] = await em.query(
          `SELECT n, id FROM sales_contacts_by_fuzzy_name($1::text[], $2::text[], $3)`,
          [distinct.map((l) => l.name), distinct.map((l) => l.account), threshold],
        );
        await em.query(`SELECT set_config('enable_seqscan', 'on', true)`);
        rows.forEach((r) => distinct[r.n - 1].probes.forEach((n) => hit(n, r.id, 'FUZZY_NAME')));
      }
    }
    await dropHiddenCandidates(em, 'contacts', hits, visible);
    return hits.map((m) =>
      [...m.entries()]
        .map(([contactId, set]) => {
          const rules = config.rules
            .filter((r) => set.has(r.type))
            .sort((a, b) => b.weight - a.weight)
            .map((r) => r.type);
          return { contactId, score: scoreOf(config, rules), rule: rules[0], rules };
        })
        .filter((c) => c.score >= config.minScore)
        .sort((a, b) => b.score - a.score || a.contactId.localeCompare(b.contactId)),
    );
  }
}

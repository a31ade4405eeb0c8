import { Injectable } from '@nestjs/common';
import { badUserInput, EVERY_RECORD, forbidden, inScope, notFound, requireRole, type Principal, type RecordScope } from '@rapport/auth';
import { ServiceDatabase, validate, visibleSql, AccessPolicy, SharingPolicy } from '@rapport/service-kit';
import { GraphQLError } from 'graphql';
import type { EntityManager } from 'typeorm';
import { requireRead } from '../access/sales-access';
import { publishSettingsChanged } from '../settings/settings-changed';
import { duplicateProbeInput } from './duplicate-probe-input';
import { addEmailHits, addPhoneHits, DuplicateHits, fuzzyName, wantedEmails, wantedPhones } from './duplicate-hits';
import { ContactEntity } from '../contacts/contact.entity';
import { DEFAULT_DUPLICATE_RULES, validateDuplicateRules, type DuplicateRuleConfig, type DuplicateRuleType } from './duplicate-rules';

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

/** Duplicate matching rules per tenant and candidate search (set-based: one statement for a whole batch). */
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
   * Candidates for many probes at once, in one statement for every enabled
   * rule and the whole batch (sales_contact_duplicates, ADR 066). Merged
   * contacts and `exclude` are never candidates, nor contacts outside
   * `visible` (the caller's sharing scope): a candidate is named to the
   * caller, so a hidden one would reveal itself.
   */
  async findBatch(
    em: EntityManager,
    config: DuplicateRuleConfig,
    probes: DuplicateProbe[],
    exclude: string[] = [],
    visible: RecordScope = EVERY_RECORD,
  ): Promise<DuplicateCandidate[][]> {
    const hits = new DuplicateHits(probes, exclude);
    const enabled = (type: DuplicateRuleType) => config.rules.find((r) => r.type === type);
    const cc = config.defaultCountryCode;
    const emails = enabled('EXACT_EMAIL') ? wantedEmails(probes) : new Map<string, number[]>();
    const phones = enabled('NORMALISED_PHONE') ? wantedPhones(probes, cc) : new Map<string, number[]>();
    const fuzzy = enabled('FUZZY_NAME');
    const lookups = fuzzy ? nameLookups(probes) : [];
    if (emails.size === 0 && phones.size === 0 && lookups.length === 0) return hits.ranked(config);
    const params: unknown[] = [
      [...emails.keys()],
      [...phones.keys()],
      lookups.map((l) => l.name),
      lookups.map((l) => l.accountId),
      lookups.map((l) => l.accountName),
      fuzzy ? (fuzzy.threshold ?? 0.6) : null,
    ];
    const shown = visible.all ? '' : `WHERE d.id IN (SELECT id FROM contacts WHERE ${visibleSql(visible, 'owner_id', params)})`;
    // The name rule's contacts come back as one id list per distinct lookup (its ordinality, 1-based), not a
    // row per (lookup, contact): about a hundred thousand rows a batch in a large tenant, each parsed and
    // then copied to every probe with that name (ADR 090).
    const rows: { rule: DuplicateRuleType; n: number | null; id: string | null; keys: string[] | null }[] = await em.query(
      `WITH d AS (
         SELECT d.rule, d.n, d.id, d.keys FROM sales_contact_duplicates($1::text[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::real) d ${shown}
       )
       SELECT rule, n, id, keys FROM d WHERE rule <> 'FUZZY_NAME'
       UNION ALL
       SELECT 'FUZZY_NAME', n, NULL, array_agg(id::text) FROM d WHERE rule = 'FUZZY_NAME' GROUP BY n`,
      params,
    );
    for (const r of rows) {
      if (r.rule === 'EXACT_EMAIL') addEmailHits(hits, emails, r.id as string, r.keys ?? []);
      else if (r.rule === 'NORMALISED_PHONE') addPhoneHits(hits, phones, r.id as string, r.keys ?? [], cc);
      else hits.addGroup(lookups[(r.n as number) - 1].probes, r.keys ?? [], 'FUZZY_NAME');
    }
    return hits.ranked(config);
  }
}

/**
 * The fuzzy rule's distinct lookups: an import's rows repeat common names, and
 * every lookup is a trigram index search of its own (the cost of this rule),
 * so each distinct (name, account) is looked up once and its hits go to every
 * probe that has it. The account is the probe's accountId (its name read in
 * SQL) or else its accountName.
 */
function nameLookups(
  probes: readonly DuplicateProbe[],
): { name: string; accountId: string | null; accountName: string | null; probes: number[] }[] {
  const lookups = new Map<string, { name: string; accountId: string | null; accountName: string | null; probes: number[] }>();
  probes.forEach((p, n) => {
    const name = fuzzyName(p);
    if (name === null) return;
    const accountId = p.accountId || null;
    const accountName = accountId ? null : (p.accountName?.toLowerCase() ?? null);
    const key = `${name}\u0000${accountId ?? ''}\u0000${accountName ?? ''}\u0000${accountName === null ? 0 : 1}`;
    const lookup = lookups.get(key) ?? { name, accountId, accountName, probes: [] };
    lookup.probes.push(n);
    lookups.set(key, lookup);
  });
  return [...lookups.values()];
}

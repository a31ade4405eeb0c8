import { Injectable } from '@nestjs/common';
import { badUserInput, EVERY_RECORD, forbidden, inScope, notFound, requireRole, type Principal, type RecordScope } from '@rapport/auth';
import { ServiceDatabase, validate, AccessPolicy, SharingPolicy } from '@rapport/service-kit';
import { GraphQLError } from 'graphql';
import type { EntityManager } from 'typeorm';
import { requireRead } from '../access/sales-access';
import { publishSettingsChanged } from '../settings/settings-changed';
import { dropHiddenCandidates } from './hidden-candidates';
import { AccountEntity } from '../accounts/account.entity';
import { normaliseDomain } from '../accounts/account-input';
import { normaliseEmails } from '../contacts/contact-input';
import {
  DEFAULT_ACCOUNT_DUPLICATE_RULES,
  probeDomains,
  validateAccountDuplicateRules,
  type AccountDuplicateRuleConfig,
  type AccountDuplicateRuleType,
} from './account-duplicate-rules';
import { rankCandidates } from './duplicate-rules';

/** What account matching looks at in a (prospective) account. */
export interface AccountDuplicateProbe {
  name?: string | null;
  domain?: string | null;
  /** Email addresses known for the organisation (e.g. a lead's); their domains count for DOMAIN. */
  emails?: string[] | null;
}

export interface AccountDuplicateCandidate {
  accountId: string;
  score: number;
  /** The highest-weighted rule that matched. */
  rule: AccountDuplicateRuleType;
  /** Every rule that matched. */
  rules: AccountDuplicateRuleType[];
}

/** Account duplicate rules per tenant and candidate search (set-based: one query per rule for a whole batch). */
@Injectable()
export class AccountDuplicatesService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly access: AccessPolicy,
    private readonly sharing: SharingPolicy,
  ) {}

  async rules(principal: Principal): Promise<AccountDuplicateRuleConfig> {
    requireRead(principal, 'accounts', await this.access.overrides(principal));
    return this.db.withTenant(principal.tenantId, (em) => this.rulesWithin(em));
  }

  async rulesWithin(em: EntityManager): Promise<AccountDuplicateRuleConfig> {
    const [row] = await em.query(`SELECT account_config FROM duplicate_rules`);
    return row?.account_config ? (row.account_config as AccountDuplicateRuleConfig) : DEFAULT_ACCOUNT_DUPLICATE_RULES;
  }

  /** Managers and admins set the tenant's account rules (the contact rules stay as they are). */
  async setRules(principal: Principal, input: Partial<AccountDuplicateRuleConfig>): Promise<AccountDuplicateRuleConfig> {
    if (principal.kind !== 'user') throw forbidden('duplicate rules are set by sales managers and admins');
    requireRole(principal, 'sales_manager');
    const config = validateAccountDuplicateRules(input);
    await this.db.withTenant(principal.tenantId, async (em) => {
      await em.query(
        `INSERT INTO duplicate_rules (tenant_id, account_config, updated_by, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (tenant_id) DO UPDATE SET account_config = EXCLUDED.account_config, updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [principal.tenantId, JSON.stringify(config), principal.id],
      );
      await publishSettingsChanged(this.db, em, principal, 'accountDuplicateRules', config);
    });
    return config;
  }

  /** Candidates for an existing account (by id) or a prospective one (input), best first. */
  async find(
    principal: Principal,
    args: { accountId?: string | null; input?: AccountDuplicateProbe | null },
  ): Promise<AccountDuplicateCandidate[]> {
    requireRead(principal, 'accounts', await this.access.overrides(principal));
    if ((args.accountId == null) === (args.input == null)) throw badUserInput('accountId', 'give exactly one of accountId or input');
    const visible = await this.sharing.readScope(principal, 'ACCOUNT');
    return this.db.withTenant(principal.tenantId, async (em) => {
      let probe: AccountDuplicateProbe;
      const exclude: string[] = [];
      if (args.accountId != null) {
        const id = validate.requireUuid('accountId', args.accountId);
        const account = await em.getRepository(AccountEntity).findOneBy({ id });
        if (!account || !inScope(visible, account.ownerId)) throw notFound('Account', id);
        probe = account;
        exclude.push(id);
      } else {
        const input = args.input as AccountDuplicateProbe;
        probe = {
          name: validate.text('input.name', input.name, { max: 200 }),
          domain: normaliseDomain(input.domain),
          emails: normaliseEmails('input.emails', input.emails),
        };
      }
      return (await this.findBatch(em, await this.rulesWithin(em), [probe], exclude, visible))[0];
    });
  }

  /** BLOCK: refuses with CONFLICT, the candidates in extensions.duplicates. */
  static blocked(candidates: AccountDuplicateCandidate[]): GraphQLError {
    return new GraphQLError(`possible duplicate of account ${candidates.map((c) => c.accountId).join(', ')} (duplicate policy BLOCK)`, {
      extensions: { code: 'CONFLICT', field: 'duplicates', duplicates: candidates },
    });
  }

  /**
   * Candidates for many probes at once: one query per enabled rule. Merged
   * accounts, `exclude` and accounts outside `visible` (the caller's sharing
   * scope) are never candidates.
   */
  async findBatch(
    em: EntityManager,
    config: AccountDuplicateRuleConfig,
    probes: AccountDuplicateProbe[],
    exclude: string[] = [],
    visible: RecordScope = EVERY_RECORD,
  ): Promise<AccountDuplicateCandidate[][]> {
    const hits = probes.map(() => new Map<string, Set<AccountDuplicateRuleType>>());
    const hit = (n: number, id: string, rule: AccountDuplicateRuleType) => {
      if (exclude.includes(id)) return;
      const rules = hits[n].get(id) ?? new Set<AccountDuplicateRuleType>();
      rules.add(rule);
      hits[n].set(id, rules);
    };
    // Names by position; the SQL functions compute the normalised keys (one definition of them, in the database).
    const names = probes.map((p) => p.name ?? '');
    for (const rule of config.rules) {
      if (rule.type === 'NORMALISED_NAME') {
        if (!names.some(Boolean)) continue;
        const rows: { n: number; id: string }[] = await em.query(`SELECT n, id FROM sales_accounts_by_name_key($1::text[])`, [names]);
        rows.forEach((r) => hit(r.n - 1, r.id, 'NORMALISED_NAME'));
      } else if (rule.type === 'DOMAIN') {
        const wanted = new Map<string, number[]>();
        probes.forEach((p, n) => probeDomains(p.domain, p.emails).forEach((d) => wanted.set(d, [...(wanted.get(d) ?? []), n])));
        if (wanted.size === 0) continue;
        const rows: { id: string; domain: string }[] = await em.query(`SELECT id, domain FROM sales_accounts_by_domain_key($1::text[])`, [
          [...wanted.keys()],
        ]);
        for (const r of rows) for (const n of wanted.get(r.domain) ?? []) hit(n, r.id, 'DOMAIN');
      } else {
        if (!names.some(Boolean)) continue;
        // Transaction-local, as for contacts: the rule's threshold for %, and the trigram index even while statistics lag.
        await em.query(`SELECT set_config('pg_trgm.similarity_threshold', $1, true), set_config('enable_seqscan', 'off', true)`, [
          String(rule.threshold ?? 0.6),
        ]);
        const rows: { n: number; id: string }[] = await em.query(`SELECT n, id FROM sales_accounts_by_fuzzy_name($1::text[])`, [names]);
        await em.query(`SELECT set_config('enable_seqscan', 'on', true)`);
        rows.forEach((r) => hit(r.n - 1, r.id, 'FUZZY_NAME'));
      }
    }
    await dropHiddenCandidates(em, 'accounts', hits, visible);
    return hits.map((m) => rankCandidates(config, m).map(({ id, ...c }) => ({ accountId: id, ...c })));
  }
}

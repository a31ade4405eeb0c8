import { randomUUID } from 'node:crypto';
import type { StartedService } from '@rapport/service-kit';
import { startService, userPrincipal } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { SalesAppModule } from '../app.module';
import { ImportService } from '../import/import.service';
import { MergeService } from '../merge/merge.service';
import { salesDefinition } from '../sales.definition';
import { AccountDuplicatesService } from './account-duplicates.service';
import { DuplicatesService } from './duplicates.service';

/** Account duplicate rules against the real Postgres: name keys, domains, pg_trgm, policies on create and import. */
describe('account duplicates', () => {
  let sales: StartedService;
  let accounts: AccountsService;
  let rules: AccountDuplicatesService;
  let imports: ImportService;
  const get = <T>(type: new (...args: never[]) => T): T => sales.app.get(type);

  beforeAll(async () => {
    sales = await startService(SalesAppModule, salesDefinition, { DB_SCHEMA_SUFFIX: `accdup_${process.env.RAPPORT_TEST_RUN_ID}` });
    accounts = get(AccountsService);
    rules = get(AccountDuplicatesService);
    imports = get(ImportService);
  });

  afterAll(() => sales?.close());

  it('normalises names: case, punctuation, a leading "the", "and", and any number of trailing legal forms', async () => {
    const cases: [string, string][] = [
      ['ACME, Inc.', 'acme'],
      ['Acme Ltd', 'acme'],
      ['The Acme Company', 'acme'],
      ['acme corp.', 'acme'],
      ['Müller GmbH & Co. KG', 'müller'],
      ['Grupo Bimbo S.A. de C.V.', 'grupo bimbo'],
      ['Mærsk A/S', 'mærsk'],
      ['Société Générale S.A.', 'société générale'],
      ['Johnson & Johnson', 'johnson johnson'],
      ['Johnson and Johnson', 'johnson johnson'],
      ["O'Reilly Media, Inc.", 'oreilly media'],
      ['Pty Ltd', 'pty'],
      ['Limited', 'limited'],
      ['Costco Wholesale', 'costco wholesale'],
      ['  Initech   Holdings  ', 'initech holdings'],
    ];
    const rows: { name: string; key: string }[] = await get(DataSource).query(
      `SELECT n AS name, sales_account_name_key(n) AS key FROM unnest($1::text[]) AS n`,
      [cases.map((c) => c[0])],
    );
    expect(rows.map((r) => [r.name, r.key])).toEqual(cases);
  });

  describe('matching', () => {
    const tenantId = randomUUID();
    const manager = userPrincipal(tenantId, ['sales_manager']);
    const rep = userPrincipal(tenantId, ['sales_rep']);
    let acme: string;
    let globex: string;

    beforeAll(async () => {
      await rules.setRules(manager, { rules: [], policy: 'ALLOW' });
      acme = (await accounts.create(manager, { name: 'ACME Ltd', domain: 'www.acme.test' })).id;
      globex = (await accounts.create(manager, { name: 'Globex Corporation', domain: 'globex.test' })).id;
      await rules.setRules(manager, {
        rules: [
          { type: 'DOMAIN', weight: 1 },
          { type: 'NORMALISED_NAME', weight: 0.9 },
          { type: 'FUZZY_NAME', weight: 0.5, threshold: 0.5 },
        ],
        scoring: 'MAX',
        policy: 'WARN',
      });
    });

    it('finds candidates per rule with scores and the rule that matched', async () => {
      expect(await rules.find(rep, { input: { name: 'Acme, Inc.' } })).toEqual([
        { accountId: acme, score: 0.9, rule: 'NORMALISED_NAME', rules: ['NORMALISED_NAME', 'FUZZY_NAME'] },
      ]);
      expect(await rules.find(rep, { input: { name: 'Something else', domain: 'https://acme.test/about' } })).toEqual([
        { accountId: acme, score: 1, rule: 'DOMAIN', rules: ['DOMAIN'] },
      ]);
      // An email at the company's domain counts; free-mail domains never do.
      expect(await rules.find(rep, { input: { name: 'Unrelated', emails: ['jane@ACME.test'] } })).toMatchObject([{ accountId: acme }]);
      expect(await rules.find(rep, { input: { name: 'Unrelated', emails: ['jane@gmail.com'] } })).toEqual([]);
      expect(await rules.find(rep, { input: { name: 'Globexx Corp.' } })).toEqual([
        { accountId: globex, score: 0.5, rule: 'FUZZY_NAME', rules: ['FUZZY_NAME'] },
      ]);
      expect(await rules.find(rep, { input: { name: 'Initrode' } })).toEqual([]);

      // Weighted sum, capped at 1; by id the account itself is excluded.
      await rules.setRules(manager, {
        rules: [
          { type: 'DOMAIN', weight: 0.5 },
          { type: 'NORMALISED_NAME', weight: 0.4 },
          { type: 'FUZZY_NAME', weight: 0.3, threshold: 0.5 },
        ],
        scoring: 'WEIGHTED_SUM',
        policy: 'WARN',
      });
      await rules.setRules(manager, { ...(await rules.rules(manager)), policy: 'ALLOW' });
      const twin = await accounts.create(manager, { name: 'Acme Incorporated', domain: 'acme.test' });
      expect(await rules.find(rep, { accountId: twin.id })).toEqual([
        { accountId: acme, score: 1, rule: 'DOMAIN', rules: ['DOMAIN', 'NORMALISED_NAME', 'FUZZY_NAME'] },
      ]);
      // Merged accounts are no candidates; another tenant sees none of these.
      await get(MergeService).merge(manager, 'ACCOUNT', { survivorId: acme, mergedIds: [twin.id] });
      expect((await rules.find(rep, { input: { name: 'Acme', domain: 'acme.test' } })).map((c) => c.accountId)).toEqual([acme]);
      expect(await rules.find(userPrincipal(randomUUID(), ['sales_rep']), { input: { name: 'Acme', domain: 'acme.test' } })).toEqual([]);
    });

    it('validates rules, lets only managers set them, and leaves the contact rules alone', async () => {
      await expect(rules.setRules(rep, { rules: [] })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
      await expect(rules.setRules(manager, { rules: [{ type: 'DOMAIN', weight: 1, threshold: 0.5 }] })).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', field: 'rules[0].threshold' },
      });
      await expect(rules.find(rep, {})).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'accountId' } });
      const contactRules = get(DuplicatesService);
      await contactRules.setRules(manager, { rules: [{ type: 'EXACT_EMAIL', weight: 1 }], policy: 'BLOCK' });
      await rules.setRules(manager, { rules: [{ type: 'DOMAIN', weight: 1 }], policy: 'WARN' });
      expect((await contactRules.rules(manager)).policy).toBe('BLOCK');
      expect(await rules.rules(manager)).toEqual({ rules: [{ type: 'DOMAIN', weight: 1 }], scoring: 'MAX', policy: 'WARN', minScore: 0 });
    });
  });

  it('applies the policy on createAccount: WARN returns candidates, BLOCK refuses with them, ALLOW says nothing', async () => {
    const manager = userPrincipal(randomUUID(), ['sales_manager']);
    await accounts.create(manager, { name: 'Initech LLC' });
    expect((await accounts.createChecked(manager, { name: 'INITECH, Inc.' })).duplicates).toMatchObject([{ rule: 'NORMALISED_NAME' }]);
    await rules.setRules(manager, { rules: [{ type: 'NORMALISED_NAME', weight: 1 }], policy: 'BLOCK' });
    await expect(accounts.createChecked(manager, { name: 'Initech GmbH' })).rejects.toMatchObject({
      // Both earlier accounts (the WARN create went ahead).
      extensions: { code: 'CONFLICT', duplicates: [expect.objectContaining({ rule: 'NORMALISED_NAME', score: 1 }), expect.anything()] },
    });
    await rules.setRules(manager, { rules: [{ type: 'NORMALISED_NAME', weight: 1 }], policy: 'ALLOW' });
    expect((await accounts.createChecked(manager, { name: 'Initech GmbH' })).duplicates).toEqual([]);
  });

  it('checks account import rows against the rules: BLOCK skips, WARN creates and reports, MERGE_INTO_EXISTING fills', async () => {
    const manager = userPrincipal(randomUUID(), ['sales_manager']);
    const umbrella = await accounts.create(manager, { name: 'Umbrella Corporation' });
    const header = ['Name', 'Web', 'Industry'];
    const mapping = [
      { column: 'Name', field: 'name' },
      { column: 'Web', field: 'domain' },
      { column: 'Industry', field: 'industry' },
    ];
    const rows = [
      ['Umbrella Corp.', 'umbrella.test', 'Pharma'],
      ['Hooli', 'hooli.test', ''],
    ];
    await rules.setRules(manager, { rules: [{ type: 'NORMALISED_NAME', weight: 1 }], policy: 'BLOCK' });
    const blocked = await imports.importRecords(manager, { kind: 'ACCOUNT', header, mapping, rows });
    expect(blocked.rows.map((r) => [r.status, r.code])).toEqual([
      ['SKIPPED', 'DUPLICATE'],
      ['CREATED', null],
    ]);
    expect(blocked.rows[0]).toMatchObject({
      reason: `possible duplicate of account ${umbrella.id} (NORMALISED_NAME, score 1)`,
      accountDuplicates: [{ accountId: umbrella.id, score: 1, rule: 'NORMALISED_NAME', rules: ['NORMALISED_NAME'] }],
    });

    const merged = await imports.importRecords(manager, {
      kind: 'ACCOUNT',
      header,
      mapping,
      rows,
      options: { duplicatePolicy: 'MERGE_INTO_EXISTING' },
    });
    expect(merged.rows.map((r) => [r.status, r.code, r.id])).toEqual([
      ['UPDATED', 'MERGED_INTO_DUPLICATE', umbrella.id],
      ['SKIPPED', 'UNCHANGED', blocked.rows[1].id],
    ]);
    expect(await accounts.get(manager, umbrella.id)).toMatchObject({ domain: 'umbrella.test', industry: 'Pharma' });

    const warned = await imports.importRecords(manager, {
      kind: 'ACCOUNT',
      header,
      mapping,
      rows: [['Hooli Inc', 'hooli-xyz.test', '']],
      options: { duplicatePolicy: 'WARN' },
    });
    expect(warned.rows[0]).toMatchObject({ status: 'CREATED', code: 'POSSIBLE_DUPLICATE' });
  });
});

import { randomUUID } from 'node:crypto';
import type { RecordScope } from '@rapport/auth';
import { ServiceDatabase, type StartedService } from '@rapport/service-kit';
import { startService, userPrincipal } from '@rapport/testing';
import { AccountsService } from '../accounts/accounts.service';
import { SalesAppModule } from '../app.module';
import { ContactsService } from '../contacts/contacts.service';
import { DeletionService } from '../deletion/deletion.service';
import { purgeContacts } from '../deletion/purge-sql';
import { MergeService } from '../merge/merge.service';
import { SalesPersonalData } from '../privacy/sales-personal-data';
import { ImportService } from '../import/import.service';
import { salesDefinition } from '../sales.definition';
import { DEFAULT_DUPLICATE_RULES, type DuplicateRuleConfig } from './duplicate-rules';
import { findRuleByRule } from './duplicates-rule-by-rule.reference';
import { DuplicatesService, type DuplicateCandidate, type DuplicateProbe } from './duplicates.service';

/**
 * An import batch's duplicate check (findBatch: every rule for all its rows in
 * one statement) gives every row the verdict the rule-by-rule search gives
 * that row alone (a query per rule, as before ADR 066): same candidates,
 * scores and rules, on a sample where names, e-mails, phones and account
 * names repeat within the batch and against existing contacts, under
 * several rule sets and a restricted sharing scope; and an import reports
 * those candidates on its rows. The name rule searches a table of distinct
 * names kept by triggers (ADR 078), so the reference also holds after
 * contacts are renamed, merged, deleted and restored.
 */
describe('contact duplicate checks for a batch', () => {
  let sales: StartedService;
  const tenantId = randomUUID();
  const manager = userPrincipal(tenantId, ['sales_manager']);
  const otherOwner = randomUUID();
  const get = <T>(type: new (...args: never[]) => T): T => sales.app.get(type);
  const FIRST = ['Anna', 'Ben', 'Clara', 'Anne'];
  const LAST = ['Schmidt', 'Schmitt', 'Meyer', 'Meier', 'Weber'];
  const MAPPING = [
    { column: 'First', field: 'firstName' },
    { column: 'Last', field: 'lastName' },
    { column: 'Email', field: 'email' },
    { column: 'Phone', field: 'phone' },
    { column: 'Account', field: 'accountName' },
  ];
  const HEADER = ['First', 'Last', 'Email', 'Phone', 'Account'];
  let accounts: { id: string; name: string }[];

  beforeAll(async () => {
    sales = await startService(SalesAppModule, salesDefinition, { DB_SCHEMA_SUFFIX: `dupbatch_${process.env.RAPPORT_TEST_RUN_ID}` });
    await get(AccountsService).create(manager, { name: 'Acme Trading' });
    await get(AccountsService).create(manager, { name: 'Acme Trade' });
    await get(AccountsService).create(manager, { name: 'Globex' });
    const rows = Array.from({ length: 40 }, (_, i) => [
      FIRST[i % FIRST.length],
      LAST[i % LAST.length],
      `known${i}@dup.test`,
      `+49301234${String(i).padStart(3, '0')}`,
      i % 3 === 0 ? 'Acme Trading' : i % 3 === 1 ? 'Globex' : '',
    ]);
    const seeded = await get(ImportService).importRecords(manager, {
      kind: 'CONTACT',
      header: HEADER,
      mapping: MAPPING,
      rows,
      options: { duplicatePolicy: 'ALLOW' },
    });
    expect(seeded.created).toBe(40);
    accounts = await get(ServiceDatabase).withTenant(tenantId, async (em) => {
      // Every fifth contact belongs to someone else: hidden from a caller who sees only the manager's records.
      await em.query(`UPDATE contacts SET owner_id = $1 WHERE substring(emails[1] from '[0-9]+')::int % 5 = 0`, [otherOwner]);
      return em.query(`SELECT id, name FROM accounts ORDER BY name`);
    });
  });

  afterAll(() => sales?.close());

  const sample = (): DuplicateProbe[] =>
    Array.from({ length: 90 }, (_, i) => ({
      firstName: i % 7 === 0 ? null : FIRST[(i * 3) % FIRST.length],
      lastName: i % 11 === 0 ? null : LAST[(i * 7) % LAST.length],
      emails: i % 4 === 0 ? [`known${i % 40}@dup.test`] : i % 9 === 0 ? ['repeated@dup.test'] : [`new${i}@dup.test`],
      phones: i % 5 === 0 ? [`+49301234${String(i % 40).padStart(3, '0')}`] : i % 8 === 0 ? ['030 1234 007'] : [],
      ...(i % 6 === 0 ? { accountId: accounts[i % accounts.length].id } : i % 13 === 0 ? { accountId: randomUUID() } : {}),
      accountName: i % 6 === 1 ? 'acme trade' : i % 6 === 2 ? 'Globex' : i % 6 === 3 ? 'Initech' : null,
    }));

  async function compare(config: DuplicateRuleConfig, visible?: RecordScope) {
    const probes = sample();
    const duplicates = get(DuplicatesService);
    return get(ServiceDatabase).withTenant(tenantId, async (em) => {
      const batch = await duplicates.findBatch(em, config, probes, [], visible);
      const alone: DuplicateCandidate[][] = [];
      for (const probe of probes) alone.push((await findRuleByRule(em, config, [probe], visible))[0]);
      return { batch, alone };
    });
  }

  it('gives each row of a batch the candidates the rule-by-rule search gives it alone (default rules)', async () => {
    const config = await get(ServiceDatabase).withTenant(tenantId, (em) => get(DuplicatesService).rulesWithin(em));
    const { batch, alone } = await compare(config);
    expect(batch).toEqual(alone);
    // The sample exercises every rule, and repeated names with several candidates each.
    const rules = new Set(batch.flat().map((c) => c.rule));
    expect([...rules].sort()).toEqual(['EXACT_EMAIL', 'FUZZY_NAME', 'NORMALISED_PHONE']);
    expect(batch.filter((c) => c.length > 1).length).toBeGreaterThan(10);
  });

  it('agrees under a weighted sum, another threshold, a minimum score and a German default for phones', async () => {
    const config: DuplicateRuleConfig = {
      rules: [
        { type: 'FUZZY_NAME', weight: 0.5, threshold: 0.4 },
        { type: 'NORMALISED_PHONE', weight: 0.4 },
        { type: 'EXACT_EMAIL', weight: 0.7 },
      ],
      scoring: 'WEIGHTED_SUM',
      policy: 'WARN',
      minScore: 0.45,
      defaultCountryCode: 'DE',
    };
    const { batch, alone } = await compare(config);
    expect(batch).toEqual(alone);
    expect(batch.flat().some((c) => c.rules.length > 1)).toBe(true);
    expect(batch.flat().some((c) => c.rules.includes('NORMALISED_PHONE'))).toBe(true);
  });

  it('agrees with only some rules on, and never names a contact outside the caller’s sharing scope', async () => {
    const visible: RecordScope = { all: false, ownerIds: [manager.id], unowned: false };
    const nameOnly: DuplicateRuleConfig = { ...(await compareConfig()), rules: [{ type: 'FUZZY_NAME', weight: 0.6, threshold: 0.6 }] };
    const hidden = await get(ServiceDatabase).withTenant(tenantId, async (em) =>
      (await em.query(`SELECT id FROM contacts WHERE owner_id = $1`, [otherOwner])).map((r: { id: string }) => r.id),
    );
    expect(hidden.length).toBeGreaterThan(0);
    for (const config of [nameOnly, await compareConfig()]) {
      const { batch, alone } = await compare(config, visible);
      expect(batch).toEqual(alone);
      expect(batch.flat().length).toBeGreaterThan(0);
      expect(batch.flat().filter((c) => hidden.includes(c.contactId))).toEqual([]);
    }
  });

  it('reports on each imported row the candidates the rule-by-rule search finds for it before the import', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => [
      FIRST[(i * 5) % FIRST.length],
      LAST[(i * 3) % LAST.length],
      i % 10 === 0 ? `KNOWN${i}@dup.test` : `fresh${i}@dup.test`,
      i % 6 === 0 ? `+49301234${String(i).padStart(3, '0')}` : '',
      i % 4 === 0 ? 'Globex' : '',
    ]);
    const duplicates = get(DuplicatesService);
    const config = await get(ServiceDatabase).withTenant(tenantId, (em) => duplicates.rulesWithin(em));
    const probes: DuplicateProbe[] = rows.map(([firstName, lastName, , phone, account]) => ({
      firstName,
      lastName,
      emails: [],
      phones: phone ? [phone] : [],
      accountId: account ? accounts.find((a) => a.name === account)?.id : null,
    }));
    // E-mails that name an existing contact make the row ALREADY_EXISTS, not a duplicate; the rest are probed as written.
    rows.forEach((r, i) => (probes[i].emails = r[2].startsWith('KNOWN') ? [] : [r[2]]));
    const expected = await get(ServiceDatabase).withTenant(tenantId, async (em) => {
      const out: DuplicateCandidate[][] = [];
      for (const p of probes) out.push((await findRuleByRule(em, config, [p]))[0]);
      return out;
    });
    const result = await get(ImportService).importRecords(manager, {
      kind: 'CONTACT',
      header: HEADER,
      mapping: MAPPING,
      rows,
      options: { duplicatePolicy: 'WARN' },
    });
    result.rows.forEach((r, i) => {
      if (r.code === 'ALREADY_EXISTS') return expect(rows[i][2].startsWith('KNOWN')).toBe(true);
      expect(r.duplicates ?? []).toEqual(expected[i]);
      expect(r.status).toBe('CREATED');
      expect(r.code).toBe(expected[i].length ? 'POSSIBLE_DUPLICATE' : null);
    });
    expect(result.rows.filter((r) => r.code === 'POSSIBLE_DUPLICATE').length).toBeGreaterThan(10);
  });

  it('agrees after renames, merges, deletions and restores, on names differing only in case, accents and spaces, per account and threshold', async () => {
    // A tenant of its own: these contacts change under the search.
    const t = randomUUID();
    const m = userPrincipal(t, ['sales_manager']);
    const acme = await get(AccountsService).create(m, { name: 'Acme Trading' });
    await get(AccountsService).create(m, { name: 'Umbrella' });
    const NAMES: [string, string][] = [
      ['José', 'Müller'],
      ['jose', 'muller'],
      ['JOSÉ', 'MÜLLER'],
      ['José ', ' Müller'],
      ['José', 'Müller '],
      ['Jose', 'Mueller'],
      ['', 'Müller'],
      ['Zoë', 'Ångström'],
      ['Zoe', 'Angstrom'],
      ['Renata', 'Uniquename'],
      ['Ben', 'Webber'],
      ['Ben', 'Weber'],
      ['Clara', 'Weber'],
    ];
    const rows = NAMES.map(([first, last], i) => [first, last, `n${i}@names.test`, '', ['Acme Trading', 'Umbrella', ''][i % 3]]);
    const seeded = await get(ImportService).importRecords(m, {
      kind: 'CONTACT',
      header: HEADER,
      mapping: MAPPING,
      rows,
      options: { duplicatePolicy: 'ALLOW' },
    });
    expect(seeded.created).toBe(NAMES.length);
    const ids: string[] = await get(ServiceDatabase).withTenant(t, async (em) => {
      const found: { id: string; emails: string[] }[] = await em.query(`SELECT id, emails FROM contacts`);
      return NAMES.map((_, i) => found.find((c) => c.emails.includes(`n${i}@names.test`))!.id);
    });
    const contacts = get(ContactsService);
    await contacts.update(m, { id: ids[9], lastName: 'Neuname' }); // a unique name goes away, a new one comes
    await contacts.update(m, { id: ids[10], firstName: 'Benedikt' });
    // The survivor takes the merged contact's name (a rename by merge); the merged one is no candidate any more.
    await get(MergeService).mergeContacts(m, {
      survivorId: ids[11],
      mergedIds: [ids[1]],
      fieldChoices: [{ field: 'firstName', fromId: ids[1] }],
    });
    await get(DeletionService).deleteContact(m, { id: ids[2] });
    await get(DeletionService).deleteContact(m, { id: ids[8] });
    await get(DeletionService).restore(m, 'CONTACT', { id: ids[8] });
    const gone = [ids[1], ids[2]];

    const probeNames: [string | null, string][] = [
      ...NAMES.map(([f, l]): [string | null, string] => [f || null, l]),
      ['Renata', 'Neuname'],
      ['Benedikt', 'Webber'],
      ['jose', 'Weber'],
      ['  josé', 'müller  '],
    ];
    const probes: DuplicateProbe[] = probeNames.flatMap(([firstName, lastName]) => [
      { firstName, lastName },
      { firstName, lastName, accountId: acme.id },
      { firstName, lastName, accountName: 'umbrela' },
      { firstName, lastName, accountName: 'Initech' },
    ]);
    const fuzzyOnly = (threshold: number): DuplicateRuleConfig => ({
      rules: [{ type: 'FUZZY_NAME', weight: 0.6, threshold }],
      scoring: 'WEIGHTED_SUM',
      policy: 'WARN',
      minScore: 0,
      defaultCountryCode: null,
    });
    const configs = [
      await get(ServiceDatabase).withTenant(t, (em) => get(DuplicatesService).rulesWithin(em)),
      fuzzyOnly(0.3),
      fuzzyOnly(0.9),
    ];
    const renamedFound: boolean[] = [];
    for (const config of configs) {
      const { batch, alone } = await get(ServiceDatabase).withTenant(t, async (em) => {
        const out = { batch: await get(DuplicatesService).findBatch(em, config, probes), alone: [] as DuplicateCandidate[][] };
        for (const probe of probes) out.alone.push((await findRuleByRule(em, config, [probe]))[0]);
        return out;
      });
      expect(batch).toEqual(alone);
      expect(batch.flat().filter((c) => gone.includes(c.contactId))).toEqual([]);
      renamedFound.push(batch[NAMES.length * 4].some((c) => c.contactId === ids[9]));
      expect(batch.flat().some((c) => c.contactId === ids[8])).toBe(true);
    }
    expect(renamedFound).toEqual([true, true, true]);
    // A rename leaves the old name among the distinct names (it finds no contact); erasure and purge take away
    // every name no contact row has any more, the erased person's former name too, and keep names others have.
    const names = () =>
      get(ServiceDatabase).withTenant(t, async (em) =>
        (await em.query(`SELECT name FROM contact_names ORDER BY name`)).map((r: { name: string }) => r.name),
      );
    expect(await names()).toEqual(expect.arrayContaining(['renata uniquename', 'renata neuname', 'zoë ångström', 'josé müller']));
    await get(ServiceDatabase).withTenant(t, (em) => new SalesPersonalData().erase(em, t, [ids[9]]));
    await get(ServiceDatabase).withTenant(t, (em) => purgeContacts(em, [ids[7], ids[2]]));
    const left: string[] = await names();
    expect(left.filter((n) => ['renata uniquename', 'renata neuname', 'zoë ångström'].includes(n))).toEqual([]);
    expect(left).toContain('josé müller'); // ids[0] still has it
    const after = await get(ServiceDatabase).withTenant(t, async (em) => {
      const out = { batch: await get(DuplicatesService).findBatch(em, configs[1], probes), alone: [] as DuplicateCandidate[][] };
      for (const probe of probes) out.alone.push((await findRuleByRule(em, configs[1], [probe]))[0]);
      return out;
    });
    expect(after.batch).toEqual(after.alone);
    expect(after.batch.flat().filter((c) => [ids[7], ids[2]].includes(c.contactId))).toEqual([]);
    expect(after.batch.flat().some((c) => c.contactId === ids[0])).toBe(true);
  });

  it('keeps a name an erasure would leave to no one while a contact of that name is being created beside it', async () => {
    const t = randomUUID();
    const db = get(ServiceDatabase);
    const [erased] = await db.withTenant(t, (em) =>
      em.query(`INSERT INTO contacts (id, tenant_id, first_name, last_name) VALUES ($1, $2, 'Xaver', 'Race') RETURNING id`, [
        randomUUID(),
        t,
      ]),
    );
    let commit!: () => void;
    const held = new Promise<void>((resolve) => (commit = resolve));
    // A creates another Xaver Race and holds its transaction open: its name row was already there, so it wrote none.
    const creating = db.withTenant(t, async (em) => {
      await em.query(`INSERT INTO contacts (id, tenant_id, first_name, last_name) VALUES ($1, $2, 'Xaver', 'Race')`, [randomUUID(), t]);
      await held;
    });
    await waitFor(async () => (await namesLock(t, 'ShareLock', true)) > 0);
    // The erasure of the first one must not prune the name from under A: it waits for A's commit, then sees A's contact.
    let erasing = true;
    const erasure = db.withTenant(t, (em) => new SalesPersonalData().erase(em, t, [erased.id])).finally(() => (erasing = false));
    await waitFor(async () => !erasing || (await namesLock(t, 'ExclusiveLock', false)) > 0);
    commit();
    await Promise.all([creating, erasure]);
    const left = await db.withTenant(t, (em) => em.query(`SELECT name FROM contact_names WHERE name = 'xaver race'`));
    expect(left).toHaveLength(1);
    const found = await db.withTenant(t, (em) =>
      get(DuplicatesService).findBatch(em, { ...DEFAULT_DUPLICATE_RULES, rules: [{ type: 'FUZZY_NAME', weight: 1, threshold: 0.6 }] }, [
        { firstName: 'Xaver', lastName: 'Race' },
      ]),
    );
    expect(found[0]).toHaveLength(1);
  });

  /** Sessions holding (shared, granted) or awaiting (exclusive) the tenant's names lock (migration 1766984000000). */
  const namesLock = async (tenant: string, mode: 'ShareLock' | 'ExclusiveLock', granted: boolean): Promise<number> => {
    const [row] = await get(ServiceDatabase).tenantDb.system((em) =>
      em.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND mode = $2 AND granted = $3
           AND ((classid::bigint << 32) | objid::bigint) = hashtextextended('sales.contact_names:' || $1, 0)`,
        [tenant, mode, granted],
      ),
    );
    return row.n;
  };
  const waitFor = async (condition: () => Promise<boolean>): Promise<void> => {
    while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  const compareConfig = () => get(ServiceDatabase).withTenant(tenantId, (em) => get(DuplicatesService).rulesWithin(em));
});

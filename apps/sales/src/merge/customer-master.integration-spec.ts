import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';
import { OUTBOX_EVENTS } from '@rapport/messaging';
import type { StartedService } from '@rapport/service-kit';
import { startService, StreamProbe } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { SalesAppModule } from '../app.module';
import { ContactsService } from '../contacts/contacts.service';
import { DuplicatesService } from '../duplicates/duplicates.service';
import { ImportService } from '../import/import.service';
import { LeadsService } from '../leads/leads.service';
import { OpportunitiesService } from '../opportunities/opportunities.service';
import { salesDefinition } from '../sales.definition';
import { linksFor } from './merge-links';
import { MergeService } from './merge.service';
import { rewritePhonesE164 } from '../migrations/1765310000000-sales-phones-e164';

/** Customer master against the real Postgres/NATS: duplicate rules, merge/unmerge round trip, import. */
describe('customer master', () => {
  let sales: StartedService;
  let db: DataSource;
  let contacts: ContactsService;
  let accounts: AccountsService;
  let duplicates: DuplicatesService;
  let merges: MergeService;
  let imports: ImportService;
  let probe: StreamProbe;
  const stream = `SALES_${process.env.NATS_STREAM_SUFFIX}`;
  const subject = (type: string) => `${process.env.NATS_SUBJECT_PREFIX}.${type}`;
  const as = (tenantId: string, roles: Role[], id = randomUUID()): Principal => ({
    kind: 'user',
    tenantId,
    id,
    roles,
    scopes: [],
    contactId: null,
  });

  beforeAll(async () => {
    sales = await startService(SalesAppModule, salesDefinition, { DB_SCHEMA_SUFFIX: `cm_${process.env.RAPPORT_TEST_RUN_ID}` });
    db = sales.app.get(DataSource);
    contacts = sales.app.get(ContactsService);
    accounts = sales.app.get(AccountsService);
    duplicates = sales.app.get(DuplicatesService);
    merges = sales.app.get(MergeService);
    imports = sales.app.get(ImportService);
    probe = await StreamProbe.connect();
  });

  afterAll(async () => {
    await probe?.close();
    await sales?.close();
  });

  describe('duplicate rules', () => {
    const tenantId = randomUUID();
    const manager = as(tenantId, ['sales_manager']);
    const rep = as(tenantId, ['sales_rep']);

    it('finds candidates per rule type with scores and the rule that matched', async () => {
      const acme = await accounts.create(manager, { name: 'Acme Corporation' });
      const other = await accounts.create(manager, { name: 'Globex' });
      const ada = await contacts.create(manager, {
        firstName: 'Ada',
        lastName: 'Lovelace',
        emails: ['ada@acme.test'],
        phones: ['+44 20 7946 0000'],
        accountId: acme.id,
      });
      await duplicates.setRules(manager, {
        rules: [
          { type: 'EXACT_EMAIL', weight: 1 },
          { type: 'NORMALISED_PHONE', weight: 0.8 },
          { type: 'FUZZY_NAME', weight: 0.5, threshold: 0.5 },
        ],
        scoring: 'MAX',
        policy: 'WARN',
        defaultCountryCode: '+44',
      });
      const byEmail = await duplicates.find(rep, { input: { lastName: 'Zed', emails: ['ADA@acme.test'] } });
      expect(byEmail).toEqual([{ contactId: ada.id, score: 1, rule: 'EXACT_EMAIL', rules: ['EXACT_EMAIL'] }]);
      // National format with the default country code: 020 7946 0000 → +442079460000.
      const byPhone = await duplicates.find(rep, { input: { lastName: 'Zed', phones: ['020-7946-0000'] } });
      expect(byPhone).toEqual([{ contactId: ada.id, score: 0.8, rule: 'NORMALISED_PHONE', rules: ['NORMALISED_PHONE'] }]);
      const byName = await duplicates.find(rep, { input: { firstName: 'Ada', lastName: 'Lovelace', accountName: 'ACME Corporation' } });
      expect(byName).toEqual([{ contactId: ada.id, score: 0.5, rule: 'FUZZY_NAME', rules: ['FUZZY_NAME'] }]);
      // Same name at a clearly different account is not a match.
      expect(await duplicates.find(rep, { input: { firstName: 'Ada', lastName: 'Lovelace', accountId: other.id } })).toEqual([]);
      // Below the threshold.
      expect(await duplicates.find(rep, { input: { firstName: 'Bob', lastName: 'Lovegood' } })).toEqual([]);
      // All three, weighted sum capped at 1; by contact id the contact itself is excluded.
      await duplicates.setRules(manager, {
        rules: [
          { type: 'EXACT_EMAIL', weight: 0.5 },
          { type: 'NORMALISED_PHONE', weight: 0.3 },
          { type: 'FUZZY_NAME', weight: 0.1, threshold: 0.5 },
        ],
        scoring: 'WEIGHTED_SUM',
        policy: 'WARN',
        defaultCountryCode: '+44',
      });
      const twin = await contacts.create(manager, {
        firstName: 'Ada',
        lastName: 'Lovelace',
        emails: ['ada@acme.test'],
        phones: ['00442079460000'],
      });
      expect(await duplicates.find(rep, { contactId: twin.id })).toEqual([
        { contactId: ada.id, score: 0.9, rule: 'EXACT_EMAIL', rules: ['EXACT_EMAIL', 'NORMALISED_PHONE', 'FUZZY_NAME'] },
      ]);
      // Another tenant never sees these contacts as candidates (the lookups apply the tenant condition themselves).
      const stranger = as(randomUUID(), ['sales_rep']);
      expect(
        await duplicates.find(stranger, {
          input: { firstName: 'Ada', lastName: 'Lovelace', emails: ['ada@acme.test'], phones: ['+442079460000'] },
        }),
      ).toEqual([]);
      // Stored in E.164, whichever way they were written.
      expect(twin.phones).toEqual(['+442079460000']);
    });

    it('applies the policy on create: WARN returns candidates, BLOCK refuses with them, ALLOW says nothing', async () => {
      const base = { lastName: 'Policy', emails: ['policy@dup.test'] };
      await contacts.create(manager, base);
      await duplicates.setRules(manager, { rules: [{ type: 'EXACT_EMAIL', weight: 1 }], policy: 'WARN' });
      const warned = await contacts.createChecked(manager, base);
      expect(warned.duplicates).toHaveLength(1);
      await duplicates.setRules(manager, { rules: [{ type: 'EXACT_EMAIL', weight: 1 }], policy: 'BLOCK' });
      await expect(contacts.createChecked(manager, base)).rejects.toMatchObject({
        extensions: { code: 'CONFLICT', duplicates: expect.arrayContaining([expect.objectContaining({ rule: 'EXACT_EMAIL' })]) },
      });
      await duplicates.setRules(manager, { rules: [{ type: 'EXACT_EMAIL', weight: 1 }], policy: 'ALLOW' });
      expect((await contacts.createChecked(manager, base)).duplicates).toEqual([]);
      expect(
        (await db.query(`SELECT count(*)::int AS n FROM contacts WHERE tenant_id = $1 AND 'policy@dup.test' = ANY(emails)`, [tenantId]))[0]
          .n,
      ).toBe(3);
    });

    it('lets only managers and admins set rules, and validates them', async () => {
      await expect(duplicates.setRules(rep, { rules: [] })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
      await expect(duplicates.setRules(manager, { rules: [{ type: 'FUZZY_NAME', weight: 2 }] })).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT', field: 'rules[0].weight' },
      });
    });
  });

  describe('merge and unmerge', () => {
    const tenantId = randomUUID();
    const manager = as(tenantId, ['sales_manager']);
    const rep = as(tenantId, ['sales_rep']);

    const snapshot = async (ids: string[]) => ({
      contacts: await db.query(`SELECT * FROM contacts WHERE id = ANY($1) ORDER BY id`, [ids]),
      externalIds: await db.query(
        `SELECT tenant_id, source, key, contact_id FROM contact_external_ids WHERE tenant_id = $1 ORDER BY source, key`,
        [tenantId],
      ),
      opportunities: await db.query(`SELECT * FROM opportunities WHERE tenant_id = $1 ORDER BY id`, [tenantId]),
      leads: await db.query(`SELECT * FROM leads WHERE tenant_id = $1 ORDER BY id`, [tenantId]),
      activities: await db.query(`SELECT * FROM activities WHERE tenant_id = $1 ORDER BY id`, [tenantId]),
      timeline: await db.query(`SELECT * FROM timeline_entries WHERE tenant_id = $1 ORDER BY id`, [tenantId]),
    });
    const withoutUpdatedAt = (s: Awaited<ReturnType<typeof snapshot>>) => ({
      ...s,
      contacts: s.contacts.map(({ updated_at: _u, ...c }: Record<string, unknown>) => c),
    });

    it('merges atomically, re-points every link, journals it, publishes the events, and unmerges back exactly', async () => {
      const account = await accounts.create(manager, { name: 'Merge Ltd' });
      const survivor = await contacts.create(manager, {
        firstName: 'Grace',
        lastName: 'Hopper',
        emails: ['grace@merge.test'],
        tags: ['vip'],
        accountId: account.id,
        externalIds: [{ source: 'erp', key: 'C-1' }],
      });
      const dupe = await contacts.create(manager, {
        firstName: 'Rear Admiral Grace',
        lastName: 'Hopper',
        emails: ['g.hopper@navy.test'],
        phones: ['+1 201 555 0123'],
        tags: ['navy'],
        externalIds: [{ source: 'shop', key: 'S-9' }],
      });
      const opp = await sales.app.get(OpportunitiesService).create(manager, {
        name: 'Compiler',
        accountId: account.id,
        primaryContactId: dupe.id,
        amount: { amount: '100.00', currency: 'EUR' },
        closeDate: '2026-12-31',
      });
      const { lead } = await sales.app
        .get(LeadsService)
        .create(manager, { lastName: 'Hopper', company: 'Merge Ltd', email: 'lead@merge.test' });
      await db.query(
        `UPDATE leads SET status = 'CONVERTED', converted_at = now(), converted_account_id = $2, converted_contact_id = $3 WHERE id = $1`,
        [lead.id, account.id, dupe.id],
      );
      const activityId = randomUUID();
      await db.query(
        `INSERT INTO activities (id, tenant_id, type, target_type, target_id, subject) VALUES ($1, $2, 'NOTE', 'CONTACT', $3, 'met at conference')`,
        [activityId, tenantId, dupe.id],
      );
      const ids = [survivor.id, dupe.id];
      const before = await snapshot(ids);

      await expect(merges.merge(rep, 'CONTACT', { survivorId: survivor.id, mergedIds: [dupe.id] })).rejects.toMatchObject({
        extensions: { code: 'FORBIDDEN' },
      });
      const merge = await merges.merge(manager, 'CONTACT', {
        survivorId: survivor.id,
        mergedIds: [dupe.id],
        fieldChoices: [{ field: 'firstName', fromId: dupe.id }],
      });
      // External id, opportunity, lead, activity, and whatever the timeline holds for the merged contact.
      const timelineOfDupe = before.timeline.filter((t: { subject_id: string }) => t.subject_id === dupe.id).length;
      expect(merge).toMatchObject({ survivorId: survivor.id, mergedIds: [dupe.id], relinkedCount: 4 + timelineOfDupe });
      expect((await db.query(`SELECT count(*)::int AS n FROM timeline_entries WHERE subject_id = $1`, [dupe.id]))[0].n).toBe(0);

      const s = (await contacts.get(manager, survivor.id))!;
      expect(s).toMatchObject({
        firstName: 'Rear Admiral Grace',
        emails: ['grace@merge.test', 'g.hopper@navy.test'],
        phones: ['+12015550123'],
        tags: ['vip', 'navy'],
        accountId: account.id,
        externalIds: [
          { source: 'erp', key: 'C-1' },
          { source: 'shop', key: 'S-9' },
        ],
      });
      expect((await contacts.get(manager, dupe.id))!.mergedInto).toBe(survivor.id);
      expect((await contacts.getByExternalId(manager, 'shop', 'S-9'))!.id).toBe(survivor.id);
      const listed = await contacts.list(manager, { first: 50 });
      expect(listed.edges.map((e) => e.node.id)).toEqual([survivor.id]);
      expect((await db.query(`SELECT primary_contact_id FROM opportunities WHERE id = $1`, [opp.id]))[0].primary_contact_id).toBe(
        survivor.id,
      );
      expect((await db.query(`SELECT converted_contact_id FROM leads WHERE id = $1`, [lead.id]))[0].converted_contact_id).toBe(survivor.id);
      expect((await db.query(`SELECT target_id FROM activities WHERE id = $1`, [activityId]))[0].target_id).toBe(survivor.id);
      const [journal] = await db.query(`SELECT merged_by, before_images FROM contact_merges WHERE id = $1`, [merge.id]);
      expect(journal.merged_by).toBe(manager.id);
      expect(journal.before_images.records).toHaveLength(2);

      const events = await probe.waitFor(stream, subject('sales.contact.merged'), (evs) => evs.some((e) => e.subjectId === survivor.id));
      expect(events.find((e) => e.subjectId === survivor.id)).toMatchObject({
        type: 'sales.contact.merged',
        tenantId,
        data: { survivorId: survivor.id, mergedIds: [dupe.id], mergeId: merge.id },
      });
      const outbox = await db.query(`SELECT type FROM outbox WHERE envelope->>'subjectId' = $1 ORDER BY created_at, id`, [survivor.id]);
      expect(outbox.map((r: { type: string }) => r.type)).toEqual([
        'sales.contact.created',
        'sales.contact.merged',
        'sales.contact.updated',
      ]);

      // A merged contact cannot be merged again or changed.
      await expect(merges.merge(manager, 'CONTACT', { survivorId: survivor.id, mergedIds: [dupe.id] })).rejects.toMatchObject({
        extensions: { code: 'CONFLICT' },
      });

      const undone = await merges.unmerge(manager, 'CONTACT', merge.id);
      expect(undone.unmergedBy).toBe(manager.id);
      const after = await snapshot(ids);
      // Every row exactly as before; contacts' updated_at moves forward so projections take the restore.
      expect(withoutUpdatedAt(after)).toEqual(withoutUpdatedAt(before));
      await probe.waitFor(stream, subject('sales.contact.unmerged'), (evs) =>
        evs.some((e) => e.subjectId === survivor.id && (e.data as { mergeId: string }).mergeId === merge.id),
      );
      await expect(merges.unmerge(manager, 'CONTACT', merge.id)).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    });

    it('unmerges after the survivor was edited, keeping the edit; refuses while the survivor is merged into another', async () => {
      const a = await contacts.create(manager, { lastName: 'Keep', emails: ['keep@merge.test'] });
      const b = await contacts.create(manager, { lastName: 'Keep', emails: ['keep2@merge.test'] });
      const c = await contacts.create(manager, { lastName: 'Keep', emails: ['keep3@merge.test'] });
      const merge = await merges.merge(manager, 'CONTACT', { survivorId: a.id, mergedIds: [b.id] });
      await contacts.update(manager, { id: a.id, lastName: 'Kept' });
      const later = await merges.merge(manager, 'CONTACT', { survivorId: c.id, mergedIds: [a.id] });
      await expect(merges.unmerge(manager, 'CONTACT', merge.id)).rejects.toMatchObject({
        message: expect.stringContaining(`was merged into ${c.id} since`),
        extensions: { code: 'CONFLICT' },
      });
      await merges.unmerge(manager, 'CONTACT', later.id);
      await merges.unmerge(manager, 'CONTACT', merge.id);
      expect(await contacts.get(manager, a.id)).toMatchObject({ lastName: 'Kept', emails: ['keep@merge.test'], mergedInto: null });
      expect(await contacts.get(manager, b.id)).toMatchObject({ lastName: 'Keep', emails: ['keep2@merge.test'], mergedInto: null });
    });

    it('re-points every column whose foreign key references contacts or accounts', async () => {
      // The catalogue is the list of links; a table added later with such a column must join linksFor.
      const references: { referenced: string; table: string; column: string }[] = await db.query(
        `SELECT ref.relname AS referenced, src.relname AS "table", att.attname AS "column"
           FROM pg_constraint con
           JOIN pg_class src ON src.oid = con.conrelid
           JOIN pg_class ref ON ref.oid = con.confrelid
           JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey)
          WHERE con.contype = 'f' AND src.relnamespace = current_schema()::regnamespace
            AND ref.relname IN ('contacts_all', 'accounts_all')`,
      );
      const kindOf = { contacts_all: 'CONTACT', accounts_all: 'ACCOUNT' } as const;
      const missing = references.filter(
        (r) => !linksFor(kindOf[r.referenced as keyof typeof kindOf]).some((l) => l.table === r.table && l.column === r.column),
      );
      expect(references.length).toBeGreaterThan(0);
      expect(missing).toEqual([]);
    });

    it('merges accounts: contacts and opportunities follow the survivor; unmerge restores them', async () => {
      const a = await accounts.create(manager, { name: 'Initech', tags: ['a'] });
      const b = await accounts.create(manager, { name: 'Initech Inc', domain: 'initech.test', tags: ['b'] });
      const c = await contacts.create(manager, { lastName: 'Lumbergh', accountId: b.id });
      const merge = await merges.merge(manager, 'ACCOUNT', {
        survivorId: a.id,
        mergedIds: [b.id],
        fieldChoices: [{ field: 'domain', fromId: b.id }],
      });
      expect(await accounts.get(manager, a.id)).toMatchObject({ domain: 'initech.test', tags: ['a', 'b'] });
      expect((await contacts.get(manager, c.id))!.accountId).toBe(a.id);
      await merges.unmerge(manager, 'ACCOUNT', merge.id);
      expect((await contacts.get(manager, c.id))!.accountId).toBe(b.id);
      expect(await accounts.get(manager, b.id)).toMatchObject({ mergedInto: null, domain: 'initech.test' });
    });
  });

  describe('phones stored before E.164', () => {
    it('are rewritten to E.164 in their tenant default by the migration; what is no valid number stays', async () => {
      const de = as(randomUUID(), ['sales_manager']);
      const none = as(randomUUID(), ['sales_manager']);
      await duplicates.setRules(de, { rules: [], defaultCountryCode: 'DE' });
      const a = await contacts.create(de, { lastName: 'Alt' });
      const b = await contacts.create(none, { lastName: 'Alt' });
      const { lead } = await sales.app.get(LeadsService).create(de, { lastName: 'Alt' });
      await db.query(`UPDATE contacts SET phones = $2 WHERE id = $1`, [a.id, ['030 5551234', '+49 (0)30 555-1234', 'call me']]);
      await db.query(`UPDATE contacts SET phones = $2 WHERE id = $1`, [b.id, ['030 5551234', '0044 20 7946 0000']]);
      await db.query(`UPDATE leads SET phone = '0171 2345678' WHERE id = $1`, [lead.id]);

      await rewritePhonesE164(db.manager);

      expect((await contacts.get(de, a.id))!.phones).toEqual(['+49305551234', 'call me']);
      expect((await contacts.get(none, b.id))!.phones).toEqual(['030 5551234', '+442079460000']);
      expect((await db.query(`SELECT phone FROM leads WHERE id = $1`, [lead.id]))[0].phone).toBe('+491712345678');
    });
  });

  describe('import', () => {
    const tenantId = randomUUID();
    const manager = as(tenantId, ['sales_manager']);
    const header = ['First', 'Last', 'Email', 'Phone', 'Customer no', 'Tags', 'Country'];
    const mapping = [
      { column: 'First', field: 'firstName' },
      { column: 'Last', field: 'lastName' },
      { column: 'Email', field: 'email' },
      { column: 'Phone', field: 'phone' },
      { column: 'Customer no', field: 'externalId' },
      { column: 'Tags', field: 'tags' },
      { column: 'Country', field: 'country' },
    ];
    const rows = [
      ['Ann', 'Able', 'ann@import.test', '+49 30 5551234', 'K-1', 'a;b', 'de'],
      ['Ben', 'Baker', 'ben@import.test', '', 'K-2', '', ''],
      ['Bad', 'Row', 'not-an-email', '', 'K-3', '', ''],
      ['Cat', '', 'cat@import.test', '', 'K-4', '', ''],
      ['Dan', 'Dale', 'dan@import.test', '', 'K-5', '', 'Atlantis'],
      ['Eve', 'Eden', 'eve@import.test', '', 'K-6', 'x', 'France'],
    ];
    const options = { externalIdSource: 'erp', firstRowNumber: 2 };

    it('reports per row, keeps good rows around bad ones, and creates nothing on a re-run', async () => {
      const first = await imports.importRecords(manager, { kind: 'CONTACT', header, mapping, rows, options });
      expect(first.rows.map((r) => [r.rowNumber, r.status, r.field])).toEqual([
        [2, 'CREATED', null],
        [3, 'CREATED', null],
        [4, 'INVALID', 'email[0]'],
        [5, 'INVALID', 'lastName'],
        [6, 'INVALID', 'addresses[0].country'],
        [7, 'CREATED', null],
      ]);
      expect(first).toMatchObject({ created: 3, invalid: 3, skipped: 0, updated: 0 });
      const ann = (await contacts.getByExternalId(manager, 'erp', 'K-1'))!;
      expect(ann).toMatchObject({
        source: 'import',
        tags: ['a', 'b'],
        addresses: [expect.objectContaining({ kind: 'OTHER', country: 'DE' })],
      });
      // An English country name is stored as its ISO code.
      expect((await contacts.getByExternalId(manager, 'erp', 'K-6'))!.addresses).toEqual([expect.objectContaining({ country: 'FR' })]);
      const created = await db.query(
        `SELECT count(*)::int AS n FROM ${OUTBOX_EVENTS} WHERE tenant_id = $1 AND type = 'sales.contact.created'`,
        [tenantId],
      );
      expect(created[0].n).toBe(3);

      const again = await imports.importRecords(manager, { kind: 'CONTACT', header, mapping, rows, options });
      expect(again.rows.map((r) => r.status)).toEqual(['SKIPPED', 'SKIPPED', 'INVALID', 'INVALID', 'INVALID', 'SKIPPED']);
      expect(again.rows.filter((r) => r.status === 'SKIPPED').every((r) => r.code === 'ALREADY_EXISTS')).toBe(true);
      expect(again.created).toBe(0);
      expect((await db.query(`SELECT count(*)::int AS n FROM contacts WHERE tenant_id = $1`, [tenantId]))[0].n).toBe(3);

      // MERGE_INTO_EXISTING fills the matched record; a second time there is nothing left to fill.
      const more = [['Ann', 'Able', 'ann@import.test', '+49 30 5552222', 'K-1', 'c', 'DE']];
      const filled = await imports.importRecords(manager, {
        kind: 'CONTACT',
        header,
        mapping,
        rows: more,
        options: { ...options, duplicatePolicy: 'MERGE_INTO_EXISTING' },
      });
      expect(filled.rows[0]).toMatchObject({ status: 'UPDATED', id: ann.id });
      expect((await contacts.get(manager, ann.id))!.tags).toEqual(['a', 'b', 'c']);
      const unchanged = await imports.importRecords(manager, {
        kind: 'CONTACT',
        header,
        mapping,
        rows: more,
        options: { ...options, duplicatePolicy: 'MERGE_INTO_EXISTING' },
      });
      expect(unchanged.rows[0]).toMatchObject({ status: 'SKIPPED', code: 'UNCHANGED', id: ann.id });
    });

    it('applies duplicate rules to new rows: BLOCK skips with the candidates, WARN creates and reports', async () => {
      await duplicates.setRules(manager, { rules: [{ type: 'FUZZY_NAME', weight: 1, threshold: 0.5 }], policy: 'BLOCK' });
      const h = ['Last', 'First', 'Email'];
      const m = [
        { column: 'Last', field: 'lastName' },
        { column: 'First', field: 'firstName' },
        { column: 'Email', field: 'email' },
      ];
      const blocked = await imports.importRecords(manager, {
        kind: 'CONTACT',
        header: h,
        mapping: m,
        rows: [['Able', 'Ann', 'ann2@import.test']],
      });
      expect(blocked.rows[0]).toMatchObject({
        status: 'SKIPPED',
        code: 'DUPLICATE',
        duplicates: [expect.objectContaining({ rule: 'FUZZY_NAME' })],
      });
      const warned = await imports.importRecords(manager, {
        kind: 'CONTACT',
        header: h,
        mapping: m,
        rows: [['Able', 'Ann', 'ann2@import.test']],
        options: { duplicatePolicy: 'WARN' },
      });
      expect(warned.rows[0]).toMatchObject({ status: 'CREATED', code: 'POSSIBLE_DUPLICATE' });
    });

    it('imports accounts and leads idempotently', async () => {
      const h = ['Name', 'Domain'];
      const m = [
        { column: 'Name', field: 'name' },
        { column: 'Domain', field: 'domain' },
      ];
      const r = [
        ['Umbrella', 'umbrella.test'],
        ['Umbrella', ''],
      ];
      const first = await imports.importRecords(manager, { kind: 'ACCOUNT', header: h, mapping: m, rows: r });
      expect(first.rows.map((x) => [x.status, x.code])).toEqual([
        ['CREATED', null],
        ['SKIPPED', 'DUPLICATE_IN_BATCH'],
      ]);
      expect((await imports.importRecords(manager, { kind: 'ACCOUNT', header: h, mapping: m, rows: r })).created).toBe(0);
      const lh = ['Last', 'Company', 'Email'];
      const lm = [
        { column: 'Last', field: 'lastName' },
        { column: 'Company', field: 'company' },
        { column: 'Email', field: 'email' },
      ];
      const lr = [['Lead', 'Co', 'lead@import.test']];
      expect((await imports.importRecords(manager, { kind: 'LEAD', header: lh, mapping: lm, rows: lr })).created).toBe(1);
      expect((await imports.importRecords(manager, { kind: 'LEAD', header: lh, mapping: lm, rows: lr })).rows[0]).toMatchObject({
        status: 'SKIPPED',
        code: 'ALREADY_EXISTS',
      });
    });
  });
});

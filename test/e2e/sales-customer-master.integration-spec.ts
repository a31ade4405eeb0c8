import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, graphql, StreamProbe } from '@rapport/testing';
import { parseCsv } from '../../tools/import/csv';
import { createRapportClient, MeDocument } from '@rapport/sdk';
import { runImport } from '../../tools/import/import-csv';
import { runOrderImport } from '../../tools/import/import-orders';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

const IMPORT = `mutation($input: ImportRecordsInput!) {
  importRecords(input: $input) { created updated skipped invalid rows { rowNumber status id code field reason } }
}`;
const FIND = `query($id: ID) { findDuplicates(contactId: $id) { score rule rules contact { id lastName emails } } }`;
const MERGE = `mutation($input: MergeRecordsInput!) {
  mergeContacts(input: $input) { id survivorId mergedIds mergedBy { id } relinkedCount }
}`;
const RECORD_ORDERS = `mutation($input: RecordOrdersInput!) { recordOrders(input: $input) { created rejected } }`;
const ORDERS = `query($id: ID!) { orders(contactId: $id, first: 50) { totalCount edges { node { externalOrderId } } } }`;

/** Import → duplicates → merge through the gateway, the merge event on the SALES stream, and analytics following it. */
describe('customer master through the gateway (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let manager: string;
  let admin: string;
  let probe: StreamProbe;
  const stream = `SALES_${process.env.NATS_STREAM_SUFFIX}`;
  const mergedSubject = `${process.env.NATS_SUBJECT_PREFIX}.sales.contact.merged`;

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'master');
    manager = await tenant.tokenFor('sales_manager');
    admin = await tenant.tokenFor('admin');
    probe = await StreamProbe.connect();
  });

  afterAll(async () => {
    await probe?.close();
    await platform?.stop();
  });

  const gql = (query: string, variables: Record<string, unknown>, token = manager) =>
    graphql(platform.graphqlUrl, query, variables, bearer(token));

  it('imports contacts, finds the duplicate, merges it, and analytics counts the orders for the survivor', async () => {
    const input = {
      kind: 'CONTACT',
      header: ['First', 'Last', 'Email', 'Phone', 'No'],
      mapping: [
        { column: 'First', field: 'firstName' },
        { column: 'Last', field: 'lastName' },
        { column: 'Email', field: 'email' },
        { column: 'Phone', field: 'phone' },
        { column: 'No', field: 'externalId' },
      ],
      rows: [
        ['Ada', 'Lovelace', 'ada@master.test', '+44 20 7946 0001', 'E-1'],
        ['Ada', 'Lovelace', 'ada.l@other.test', '+44 (0)20 7946 0001', 'E-2'],
        ['Bad', 'Email', 'nope', '', 'E-3'],
      ],
      options: { externalIdSource: 'erp', duplicatePolicy: 'ALLOW', firstRowNumber: 2 },
    };
    const imported = await gql(IMPORT, { input });
    expect(imported.errors).toBeUndefined();
    expect(imported.data!.importRecords).toMatchObject({ created: 2, invalid: 1 });
    const rows = imported.data!.importRecords.rows;
    expect(rows[2]).toMatchObject({ rowNumber: 4, status: 'INVALID', code: 'INVALID_FIELD', field: 'email[0]' });
    const [survivorId, mergedId] = [rows[0].id, rows[1].id];

    const again = await gql(IMPORT, { input });
    expect(again.data!.importRecords).toMatchObject({ created: 0, skipped: 2, invalid: 1 });

    // An order for the contact that is about to be merged away.
    const orders = await gql(
      RECORD_ORDERS,
      {
        input: {
          orders: [
            {
              source: 'shop',
              externalOrderId: 'O-1',
              contactId: mergedId,
              occurredAt: new Date().toISOString(),
              amount: '42.00',
              currency: 'EUR',
            },
          ],
        },
      },
      admin,
    );
    expect(orders.errors).toBeUndefined();
    expect(orders.data!.recordOrders).toMatchObject({ created: 1, rejected: 0 });

    const found = await gql(FIND, { id: survivorId });
    expect(found.errors).toBeUndefined();
    expect(found.data!.findDuplicates).toEqual([
      // "+44 20 7946 0001" and "+44 (0)20 7946 0001" are one number (E.164), so the phone rule matches too.
      expect.objectContaining({
        rule: 'NORMALISED_PHONE',
        rules: ['NORMALISED_PHONE', 'FUZZY_NAME'],
        contact: { id: mergedId, lastName: 'Lovelace', emails: ['ada.l@other.test'] },
      }),
    ]);

    const rep = await tenant.tokenFor('sales_rep');
    const refused = await gql(MERGE, { input: { survivorId, mergedIds: [mergedId] } }, rep);
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    // Sales notes the order on the contact's timeline once analytics has recorded it: wait for that line, which
    // the merge must move to the survivor with the external id (two rows re-pointed).
    const TIMELINE_KINDS = `query($id: ID!) { contact(id: $id) { timeline(first: 20) { edges { node { kind } } } } }`;
    const timelineKinds = async (id: string): Promise<string[]> =>
      ((await gql(TIMELINE_KINDS, { id })).data?.contact?.timeline.edges ?? []).map((e: { node: { kind: string } }) => e.node.kind);
    for (const until = Date.now() + 30_000; !(await timelineKinds(mergedId)).includes('ORDER_PLACED');) {
      if (Date.now() > until) throw new Error('the order never reached the contact timeline');
      await new Promise((r) => setTimeout(r, 200));
    }

    const merged = await gql(MERGE, { input: { survivorId, mergedIds: [mergedId] } });
    expect(merged.errors).toBeUndefined();
    expect(merged.data!.mergeContacts).toMatchObject({ survivorId, mergedIds: [mergedId], relinkedCount: 2 });
    expect(await timelineKinds(survivorId)).toContain('ORDER_PLACED');
    const mergeId = merged.data!.mergeContacts.id;

    const events = await probe.waitFor(stream, mergedSubject, (evs) => evs.some((e) => e.subjectId === survivorId));
    expect(events.filter((e) => e.subjectId === survivorId)).toEqual([
      expect.objectContaining({ type: 'sales.contact.merged', tenantId: tenant.id, data: { survivorId, mergedIds: [mergedId], mergeId } }),
    ]);

    const survivor = await gql(`query($id: ID!) { contact(id: $id) { emails externalIds { source key } } }`, { id: survivorId });
    expect(survivor.data!.contact).toEqual({
      emails: ['ada@master.test', 'ada.l@other.test'],
      externalIds: [
        { source: 'erp', key: 'E-1' },
        { source: 'erp', key: 'E-2' },
      ],
    });

    // Analytics consumes the merge and counts the merged contact's order for the survivor.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await gql(ORDERS, { id: survivorId }, admin);
      expect(res.errors).toBeUndefined();
      if (res.data!.orders.totalCount === 1) {
        expect(res.data!.orders.edges[0].node.externalOrderId).toBe('O-1');
        break;
      }
      if (Date.now() > deadline) throw new Error('analytics did not re-point the order to the survivor');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('imports a CSV file with the CLI (logging in), reports every row, and creates nothing on a re-run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-import-'));
    const file = join(dir, 'accounts.csv');
    writeFileSync(
      file,
      'Name,Web,Tags\r\n"Wayne Enterprises, Inc.",wayne.test,"b2b;vip"\r\nStark Industries,not a domain,\r\nStark Industries,stark.test,\r\n',
    );
    const opts = {
      file,
      kind: 'ACCOUNT' as const,
      mapping: [
        { column: 'Name', field: 'name' },
        { column: 'Web', field: 'domain' },
        { column: 'Tags', field: 'tags' },
      ],
      url: platform.graphqlUrl,
      login: { tenant: tenant.slug, email: `admin@${tenant.slug}.test`, password: 'integration-password' },
      batchSize: 2,
      report: join(dir, 'report.csv'),
    };
    const first = await runImport(opts, () => undefined);
    expect(first).toMatchObject({ rows: 3, created: 2, invalid: 1, skipped: 0 });
    expect(parseCsv(readFileSync(opts.report, 'utf8')).map((r) => [r[0], r[1], r[4]])).toEqual([
      ['row', 'status', 'field'],
      ['1', 'CREATED', ''],
      ['2', 'INVALID', 'domain'],
      ['3', 'CREATED', ''],
    ]);
    const again = await runImport(opts, () => undefined);
    expect(again).toMatchObject({ rows: 3, created: 0, skipped: 2, invalid: 1 });
  });

  it('finds account duplicates on create, by query and on import, with the account, score and rule', async () => {
    const CREATE = `mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } duplicates { score rule account { id name } } } }`;
    const first = await gql(CREATE, { i: { name: 'Cyberdyne Systems Corp.', domain: 'cyberdyne.test' } });
    expect(first.data!.createAccount.duplicates).toEqual([]);
    const cyberdyne = first.data!.createAccount.account.id;
    const second = await gql(CREATE, { i: { name: 'CYBERDYNE SYSTEMS, Inc.' } });
    expect(second.errors).toBeUndefined();
    expect(second.data!.createAccount.duplicates).toEqual([
      { score: 0.9, rule: 'NORMALISED_NAME', account: { id: cyberdyne, name: 'Cyberdyne Systems Corp.' } },
    ]);

    const byEmail = await gql(
      `query($i: AccountDuplicateProbeInput) { findAccountDuplicates(input: $i) { score rule rules account { id } } }`,
      { i: { name: 'Skynet', emails: ['miles@cyberdyne.test'] } },
    );
    expect(byEmail.data!.findAccountDuplicates).toEqual([{ score: 1, rule: 'DOMAIN', rules: ['DOMAIN'], account: { id: cyberdyne } }]);

    const blocked = await gql(
      `mutation($i: SetAccountDuplicateRulesInput!) { setAccountDuplicateRules(input: $i) { policy rules { type weight } } }`,
      { i: { rules: [{ type: 'NORMALISED_NAME', weight: 1 }], policy: 'BLOCK' } },
    );
    expect(blocked.data!.setAccountDuplicateRules).toEqual({ policy: 'BLOCK', rules: [{ type: 'NORMALISED_NAME', weight: 1 }] });
    const refused = await gql(CREATE, { i: { name: 'Cyberdyne Systems GmbH' } });
    expect(refused.errors![0].extensions).toMatchObject({ code: 'CONFLICT', duplicates: expect.any(Array) });

    const imported = await gql(
      `mutation($input: ImportRecordsInput!) {
        importRecords(input: $input) { rows { status code accountDuplicates { score rule account { id } } } }
      }`,
      { input: { kind: 'ACCOUNT', header: ['Name'], mapping: [{ column: 'Name', field: 'name' }], rows: [['Cyberdyne Systems Ltd']] } },
    );
    expect(imported.data!.importRecords.rows).toEqual([
      {
        status: 'SKIPPED',
        code: 'DUPLICATE',
        accountDuplicates: expect.arrayContaining([{ score: 1, rule: 'NORMALISED_NAME', account: { id: cyberdyne } }]),
      },
    ]);
  });

  it('imports orders from CSV with a login session: good rows recorded, a bad one reported by its CSV line and column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orders-'));
    const file = join(dir, 'orders.csv');
    const report = join(dir, 'report.csv');
    writeFileSync(
      file,
      [
        'source,external_order_id,customer_source,customer_key,occurred_at,amount,currency',
        'shop,CLI-1,erp,CLI-C1,2026-03-01T10:00:00Z,12.50,EUR',
        '',
        'shop,CLI-2,erp,CLI-C1,2026-03-02T10:00:00Z,7.00,ABC',
        'shop,CLI-3,erp,CLI-C2,2026-03-03T10:00:00Z,3.10,EUR',
      ].join('\n') + '\n',
    );
    const summary = await runOrderImport(
      {
        url: platform.graphqlUrl,
        login: { tenant: tenant.slug, email: `admin@${tenant.slug}.test`, password: 'integration-password' },
        file,
        batchSize: 1000,
        concurrency: 1,
        report,
      },
      () => undefined,
    );
    expect(summary).toMatchObject({ rows: 3, created: 2, rejected: 1 });
    const lines = parseCsv(readFileSync(report, 'utf8'));
    // Row 3 of the data as a spreadsheet counts it; line 4 of the file, after the blank line.
    expect(lines[0]).toEqual(['row', 'line', 'column', 'field', 'message']);
    expect(lines[1].slice(0, 4)).toEqual(['3', '4', 'currency', 'input.orders[1].currency']);
  });

  it('keeps a CLI session signed in past its access token: renews before expiry with the rotating refresh token', async () => {
    let skew = 0;
    const client = createRapportClient({
      url: platform.graphqlUrl,
      login: { tenant: tenant.slug, email: `admin@${tenant.slug}.test`, password: 'integration-password' },
      now: () => Date.now() + skew,
    });
    const first = await client.token();
    expect(await client.token()).toBe(first);
    for (const minutes of [15, 30]) {
      // As if that much time had passed: the token is about to lapse, so the session renews it first.
      skew = minutes * 60_000;
      const renewed = await client.token();
      expect(renewed).not.toBe(first);
      expect((await client.request(MeDocument)).me.user).toMatchObject({ email: `admin@${tenant.slug}.test` });
    }
  });
});

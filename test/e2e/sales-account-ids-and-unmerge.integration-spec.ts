import { bearer, graphql } from '@rapport/testing';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

const CREATE_ACCOUNT = `mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id name externalIds { source key } } } }`;
const UPDATE_ACCOUNT = `mutation($i: UpdateAccountInput!) { updateAccount(input: $i) { account { id externalIds { source key } } } }`;
const ACCOUNT_BY_X = `query($s: String!, $k: String!) { accountByExternalId(source: $s, key: $k) { id name externalIds { source key } } }`;
const ACCOUNTS_BY_X = `query($x: ExternalIdInput!) { accounts(filter: { externalId: $x }) { totalCount edges { node { id } } } }`;
const IMPORT = `mutation($input: ImportRecordsInput!) {
  importRecords(input: $input) { created updated skipped invalid rows { rowNumber status id code field reason } }
}`;
const MERGE_ACCOUNTS = `mutation($input: MergeRecordsInput!) { mergeAccounts(input: $input) { id } }`;
const UNMERGE_ACCOUNTS = `mutation($id: ID!) { unmergeAccounts(mergeId: $id) { id unmergedAt } }`;
const CREATE_CONTACT = `mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`;
const UPDATE_CONTACT = `mutation($i: UpdateContactInput!) { updateContact(input: $i) { contact { id } } }`;
const MERGE_CONTACTS = `mutation($input: MergeRecordsInput!) { mergeContacts(input: $input) { id } }`;
const UNMERGE_CONTACT_MERGE = `mutation($id: ID!) { unmergeContacts(mergeId: $id) { id unmergedAt } }`;
const UNMERGE_CONTACTS = `mutation($id: ID!, $choices: [UnmergeFieldChoice!]) {
  unmergeContacts(mergeId: $id, fieldChoices: $choices) { id unmergedAt }
}`;
const CONTACT = `query($id: ID!) {
  contact(id: $id) { id firstName lastName emails phones tags mergedInto { id } externalIds { source key } }
}`;

/** Accounts carry ERP ids as contacts do, through the gateway: create, update, look-up, filter, import, merge and unmerge. */
describe('account external ids and unmerge after edits (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let manager: string;

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'acctids');
    manager = await tenant.tokenFor('sales_manager');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const gql = (query: string, variables: Record<string, unknown>, token = manager) =>
    graphql(platform.graphqlUrl, query, variables, bearer(token));

  it('creates, finds, filters and updates accounts by ERP id; a key is one account per tenant and source', async () => {
    const created = await gql(CREATE_ACCOUNT, { i: { name: 'Initech', externalIds: [{ source: 'ERP', key: 'A-100' }] } });
    expect(created.errors).toBeUndefined();
    const initech = created.data!.createAccount.account;
    expect(initech.externalIds).toEqual([{ source: 'erp', key: 'A-100' }]);

    const found = await gql(ACCOUNT_BY_X, { s: 'erp', k: 'A-100' });
    expect(found.data!.accountByExternalId).toMatchObject({ id: initech.id, name: 'Initech' });
    expect((await gql(ACCOUNT_BY_X, { s: 'erp', k: 'nope' })).data!.accountByExternalId).toBeNull();
    const listed = await gql(ACCOUNTS_BY_X, { x: { source: 'erp', key: 'A-100' } });
    expect(listed.data!.accounts).toMatchObject({ totalCount: 1, edges: [{ node: { id: initech.id } }] });

    // Same key, same source: refused; the same key in another system is another id.
    const clash = await gql(CREATE_ACCOUNT, { i: { name: 'Initrode', externalIds: [{ source: 'erp', key: 'A-100' }] } });
    expect(clash.errors![0].extensions).toMatchObject({ code: 'CONFLICT', field: 'externalIds' });
    const other = await gql(CREATE_ACCOUNT, { i: { name: 'Initrode', externalIds: [{ source: 'billing', key: 'A-100' }] } });
    expect(other.errors).toBeUndefined();
    // A contact may hold the same key as an account: the tables are separate.
    const contact = await gql(`mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`, {
      i: { lastName: 'Lumbergh', externalIds: [{ source: 'erp', key: 'A-100' }] },
    });
    expect(contact.errors).toBeUndefined();

    const bad = await gql(CREATE_ACCOUNT, { i: { name: 'Bad', externalIds: [{ source: 'erp', key: ' ' }] } });
    expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'externalIds[0].key' });

    const updated = await gql(UPDATE_ACCOUNT, {
      i: {
        id: initech.id,
        externalIds: [
          { source: 'erp', key: 'A-101' },
          { source: 'shop', key: 'S-1' },
        ],
      },
    });
    expect(updated.data!.updateAccount.account.externalIds).toEqual([
      { source: 'erp', key: 'A-101' },
      { source: 'shop', key: 'S-1' },
    ]);
    expect((await gql(ACCOUNT_BY_X, { s: 'erp', k: 'A-100' })).data!.accountByExternalId).toBeNull();
    const stolen = await gql(UPDATE_ACCOUNT, {
      i: { id: other.data!.createAccount.account.id, externalIds: [{ source: 'shop', key: 'S-1' }] },
    });
    expect(stolen.errors![0].extensions).toMatchObject({ code: 'CONFLICT', field: 'externalIds' });
  });

  it('imports accounts by ERP id: matched on a re-run, one key twice in a batch caught, filled under MERGE_INTO_EXISTING', async () => {
    const input = (rows: string[][], policy = 'ALLOW') => ({
      kind: 'ACCOUNT',
      header: ['Name', 'Domain', 'No'],
      mapping: [
        { column: 'Name', field: 'name' },
        { column: 'Domain', field: 'domain' },
        { column: 'No', field: 'externalId' },
      ],
      rows,
      options: { externalIdSource: 'erp', duplicatePolicy: policy, firstRowNumber: 2 },
    });
    const first = await gql(IMPORT, {
      input: input([
        ['Umbrella', '', 'K-1'],
        ['Umbrella Pharma', '', 'K-1'],
        ['Vandelay Industries', '', 'K-2'],
      ]),
    });
    expect(first.errors).toBeUndefined();
    expect(first.data!.importRecords).toMatchObject({ created: 2, skipped: 1 });
    expect(first.data!.importRecords.rows[1]).toMatchObject({ status: 'SKIPPED', code: 'DUPLICATE_IN_BATCH' });
    const umbrella = first.data!.importRecords.rows[0].id;
    expect((await gql(ACCOUNT_BY_X, { s: 'erp', k: 'K-1' })).data!.accountByExternalId).toMatchObject({ id: umbrella, name: 'Umbrella' });

    // A re-run matches by the ERP id even when the name changed in the ERP.
    const again = await gql(IMPORT, { input: input([['Umbrella Corporation', '', 'K-1']]) });
    expect(again.data!.importRecords).toMatchObject({ created: 0, skipped: 1 });
    expect(again.data!.importRecords.rows[0]).toMatchObject({ code: 'ALREADY_EXISTS', id: umbrella });
    const filled = await gql(IMPORT, { input: input([['Umbrella', 'umbrella.test', 'K-1']], 'MERGE_INTO_EXISTING') });
    expect(filled.data!.importRecords.rows[0]).toMatchObject({ status: 'UPDATED', id: umbrella });
  });

  it('merging accounts moves the merged ERP ids to the survivor; unmerge gives them back', async () => {
    const a = await gql(CREATE_ACCOUNT, { i: { name: 'Hooli', externalIds: [{ source: 'erp', key: 'H-1' }] } });
    const b = await gql(CREATE_ACCOUNT, { i: { name: 'Hooli XYZ', externalIds: [{ source: 'erp', key: 'H-2' }] } });
    const [survivorId, mergedId] = [a.data!.createAccount.account.id, b.data!.createAccount.account.id];
    const merged = await gql(MERGE_ACCOUNTS, { input: { survivorId, mergedIds: [mergedId] } });
    expect(merged.errors).toBeUndefined();
    const afterMerge = await gql(ACCOUNT_BY_X, { s: 'erp', k: 'H-2' });
    expect(afterMerge.data!.accountByExternalId).toMatchObject({
      id: survivorId,
      externalIds: [
        { source: 'erp', key: 'H-1' },
        { source: 'erp', key: 'H-2' },
      ],
    });

    const undone = await gql(UNMERGE_ACCOUNTS, { id: merged.data!.mergeAccounts.id });
    expect(undone.errors).toBeUndefined();
    expect((await gql(ACCOUNT_BY_X, { s: 'erp', k: 'H-2' })).data!.accountByExternalId).toMatchObject({
      id: mergedId,
      externalIds: [{ source: 'erp', key: 'H-2' }],
    });
    expect((await gql(ACCOUNT_BY_X, { s: 'erp', k: 'H-1' })).data!.accountByExternalId.externalIds).toEqual([
      { source: 'erp', key: 'H-1' },
    ]);
  });

  describe('unmerge after the survivor was edited', () => {
    /** Two contacts merged, B into A; returns their ids and the merge id. */
    const mergedPair = async (tag: string, fieldChoices: { field: string; fromId: string }[] = []) => {
      const a = await gql(CREATE_CONTACT, {
        i: {
          firstName: 'Ada',
          lastName: `Lovelace ${tag}`,
          emails: [`ada.${tag}@a.test`],
          tags: ['t1'],
          externalIds: [{ source: 'erp', key: `A-${tag}` }],
        },
      });
      const b = await gql(CREATE_CONTACT, {
        i: {
          firstName: 'Augusta',
          lastName: `Lovelace ${tag}`,
          emails: [`ada.${tag}@b.test`],
          tags: ['t2'],
          externalIds: [{ source: 'erp', key: `B-${tag}` }],
        },
      });
      const [survivorId, mergedId] = [a.data!.createContact.contact.id, b.data!.createContact.contact.id];
      const merged = await gql(MERGE_CONTACTS, {
        input: {
          survivorId,
          mergedIds: [mergedId],
          fieldChoices: fieldChoices.map((c) => ({ ...c, fromId: c.fromId === 'B' ? mergedId : survivorId })),
        },
      });
      expect(merged.errors).toBeUndefined();
      return { survivorId, mergedId, mergeId: merged.data!.mergeContacts.id as string };
    };
    const contact = async (id: string) => (await gql(CONTACT, { id })).data!.contact;

    it('restores the merged contact and gives back what was moved, keeping the edits made to the survivor since', async () => {
      const { survivorId, mergedId, mergeId } = await mergedPair('keep');
      // Edits after the merge: a new tag, a new phone, a changed first name, and a last name changed and changed back.
      for (const i of [
        { id: survivorId, tags: ['t1', 't2', 'vip'], phones: ['+44 20 7946 0000'], firstName: 'Ada Augusta' },
        { id: survivorId, lastName: 'Byron' },
        { id: survivorId, lastName: 'Lovelace keep' },
      ]) {
        expect((await gql(UPDATE_CONTACT, { i })).errors).toBeUndefined();
      }

      const undone = await gql(UNMERGE_CONTACT_MERGE, { id: mergeId });
      expect(undone.errors).toBeUndefined();
      expect(undone.data!.unmergeContacts.unmergedAt).toEqual(expect.any(String));

      expect(await contact(survivorId)).toMatchObject({
        firstName: 'Ada Augusta',
        lastName: 'Lovelace keep',
        emails: ['ada.keep@a.test'],
        // Stored in E.164 whatever the spelling given.
        phones: ['+442079460000'],
        tags: ['t1', 'vip'],
        externalIds: [{ source: 'erp', key: 'A-keep' }],
      });
      expect(await contact(mergedId)).toMatchObject({
        firstName: 'Augusta',
        mergedInto: null,
        emails: ['ada.keep@b.test'],
        tags: ['t2'],
        externalIds: [{ source: 'erp', key: 'B-keep' }],
      });
    });

    it('asks the caller to choose, field by field, only where the merge and a later edit changed the same field', async () => {
      const { survivorId, mergeId } = await mergedPair('clash', [{ field: 'firstName', fromId: 'B' }]);
      expect((await contact(survivorId)).firstName).toBe('Augusta');
      await gql(UPDATE_CONTACT, { i: { id: survivorId, firstName: 'Countess', tags: ['t1', 't2', 'vip'] } });

      const asked = await gql(UNMERGE_CONTACTS, { id: mergeId });
      expect(asked.errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        field: 'fieldChoices',
        conflicts: [{ field: 'firstName', current: 'Countess', beforeMerge: 'Ada', merged: 'Augusta' }],
      });
      expect(asked.errors![0].message).toMatch(/firstName/);
      // Nothing happened: the survivor still holds what the merge brought.
      expect((await contact(survivorId)).emails).toEqual(['ada.clash@a.test', 'ada.clash@b.test']);

      const wrong = await gql(UNMERGE_CONTACTS, { id: mergeId, choices: [{ field: 'nickname', keep: 'CURRENT' }] });
      expect(wrong.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'fieldChoices[0].field' });

      const chosen = await gql(UNMERGE_CONTACTS, { id: mergeId, choices: [{ field: 'firstName', keep: 'CURRENT' }] });
      expect(chosen.errors).toBeUndefined();
      expect(await contact(survivorId)).toMatchObject({ firstName: 'Countess', tags: ['t1', 'vip'], emails: ['ada.clash@a.test'] });
    });

    it('restores the value from before the merge when the caller chooses BEFORE_MERGE', async () => {
      const { survivorId, mergeId } = await mergedPair('back', [{ field: 'firstName', fromId: 'B' }]);
      await gql(UPDATE_CONTACT, { i: { id: survivorId, firstName: 'Countess' } });
      const chosen = await gql(UNMERGE_CONTACTS, { id: mergeId, choices: [{ field: 'firstName', keep: 'BEFORE_MERGE' }] });
      expect(chosen.errors).toBeUndefined();
      expect((await contact(survivorId)).firstName).toBe('Ada');
    });
  });
});

import { bearer, graphql } from '@rapport/testing';
import { createTenant, customerToken, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(90_000);

const CREATE_ACCOUNT = `mutation($name: String!) { createAccount(input: { name: $name }) { account { id } } }`;
const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`;
const OPEN_CASE = `mutation($input: OpenCaseInput!) { openCase(input: $input) { case { id contact { id } account { id } } } }`;
const CASES_OF = `query($contactId: ID, $accountId: ID) {
  cases(filter: { contactId: $contactId, accountId: $accountId }, first: 50) { edges { node { id } } }
}`;
const MY_CASES = `{ cases(first: 50) { edges { node { id } } } }`;

/**
 * Sales' customer master as service sees it, through the gateway and the
 * real SALES stream: a case must name a contact (and account) sales has,
 * and sales' merges and unmerges move cases to the survivor and back.
 */
describe('service follows the customer master (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let manager: string;
  let agent: string;

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'follow');
    manager = await tenant.tokenFor('sales_manager');
    agent = await tenant.tokenFor('support_agent');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const ok = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(token));
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const caseIds = async (token: string, filter: { contactId?: string; accountId?: string }) =>
    (await ok(token, CASES_OF, filter)).cases.edges.map((e: { node: { id: string } }) => e.node.id).sort() as string[];
  /** Polls a read until it equals `expected` (events travel asynchronously). */
  async function until<T>(read: () => Promise<T>, expected: T, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (JSON.stringify(value) === JSON.stringify(expected)) return;
      if (Date.now() > deadline) expect(value).toEqual(expected);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('opens a case for a contact created a moment ago, refuses unknown ones, and follows a contact merge and its undo', async () => {
    const accountId = (await ok(manager, CREATE_ACCOUNT, { name: 'Analytical Engines' })).createAccount.account.id;
    const contact = async (lastName: string, email: string) =>
      (await ok(manager, CREATE_CONTACT, { input: { lastName, emails: [email], accountId } })).createContact.contact.id as string;
    const survivor = await contact('Lovelace', 'ada@follow.test');
    // Straight after sales answered: the projection may lag, the open waits for it.
    const first = await ok(agent, OPEN_CASE, { input: { contactId: survivor, subject: 'Right after signing up' } });
    expect(first.openCase.case).toMatchObject({ contact: { id: survivor }, account: { id: accountId } });

    const bogus = await graphql(
      platform.graphqlUrl,
      OPEN_CASE,
      { input: { contactId: '00000000-0000-4000-8000-000000000000', subject: 'x' } },
      bearer(agent),
    );
    expect(bogus.errors?.[0]).toMatchObject({
      message: 'contactId: contact 00000000-0000-4000-8000-000000000000 does not exist in this tenant',
      extensions: { code: 'BAD_USER_INPUT', field: 'contactId' },
    });

    const duplicate = await contact('Lovelace', 'ada.lovelace@other.test');
    const onDuplicate = (await ok(agent, OPEN_CASE, { input: { contactId: duplicate, subject: 'From the duplicate' } })).openCase.case.id;
    const duplicateLogin = await customerToken(platform, tenant, duplicate);

    const merge = await ok(manager, `mutation($i: MergeRecordsInput!) { mergeContacts(input: $i) { id } }`, {
      i: { survivorId: survivor, mergedIds: [duplicate] },
    });
    const both = [first.openCase.case.id, onDuplicate].sort();
    await until(() => caseIds(agent, { contactId: survivor }), both);
    expect(await caseIds(agent, { contactId: duplicate })).toEqual([]);
    // The duplicate's own login now sees the customer's cases.
    expect((await ok(duplicateLogin, MY_CASES)).cases.edges.map((e: { node: { id: string } }) => e.node.id).sort()).toEqual(both);

    await ok(manager, `mutation($id: ID!) { unmergeContacts(mergeId: $id) { id unmergedAt } }`, { id: merge.mergeContacts.id });
    await until(() => caseIds(agent, { contactId: duplicate }), [onDuplicate]);
    expect(await caseIds(agent, { contactId: survivor })).toEqual([first.openCase.case.id]);
    expect((await ok(duplicateLogin, MY_CASES)).cases.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([onDuplicate]);
  });

  it('moves cases with an account merge and back with its undo', async () => {
    const [kept, folded] = [
      (await ok(manager, CREATE_ACCOUNT, { name: 'Babbage & Co' })).createAccount.account.id as string,
      (await ok(manager, CREATE_ACCOUNT, { name: 'Babbage and Company' })).createAccount.account.id as string,
    ];
    const person = (await ok(manager, CREATE_CONTACT, { input: { lastName: 'Babbage', accountId: folded } })).createContact.contact.id;
    const opened = await graphql(
      platform.graphqlUrl,
      OPEN_CASE,
      { input: { contactId: person, accountId: kept, subject: 'x' } },
      bearer(agent),
    );
    expect(opened.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'accountId' });
    const caseId = (await ok(agent, OPEN_CASE, { input: { contactId: person, subject: 'Engine broken' } })).openCase.case.id;
    expect(await caseIds(agent, { accountId: folded })).toEqual([caseId]);

    const merge = await ok(manager, `mutation($i: MergeRecordsInput!) { mergeAccounts(input: $i) { id } }`, {
      i: { survivorId: kept, mergedIds: [folded] },
    });
    await until(() => caseIds(agent, { accountId: kept }), [caseId]);
    // The contact moved with its account: naming the survivor is accepted now.
    const named = await ok(agent, OPEN_CASE, { input: { contactId: person, accountId: kept, subject: 'After the merge' } });
    expect(named.openCase.case.account).toEqual({ id: kept });

    // Edited while merged: sales' snapshot now names the surviving account.
    await ok(manager, `mutation($i: UpdateContactInput!) { updateContact(input: $i) { contact { id } } }`, {
      i: { id: person, firstName: 'Charles' },
    });

    await ok(manager, `mutation($id: ID!) { unmergeAccounts(mergeId: $id) { id } }`, { id: merge.mergeAccounts.id });
    // What the merge moved goes back; the case that named the surviving account itself stays with it.
    await until(() => caseIds(agent, { accountId: folded }), [caseId]);
    expect(await caseIds(agent, { accountId: kept })).toEqual([named.openCase.case.id]);
    // Sales moved the contact back to its account and said so: service follows, whatever the last snapshot said.
    // (refused as "not the account of contact" until then; accepted once, so only one case is opened)
    const namingFolded = async () => {
      const res = await graphql(
        platform.graphqlUrl,
        OPEN_CASE,
        { input: { contactId: person, accountId: folded, subject: 'Back' } },
        bearer(agent),
      );
      return res.data?.openCase?.case?.account?.id ?? res.errors?.[0]?.extensions?.code;
    };
    await until(namingFolded, folded);
  });
});

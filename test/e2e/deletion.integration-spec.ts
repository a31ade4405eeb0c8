import { bearer, graphql, StreamProbe } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(180_000);

/** The purge job sweeps every second here; the test moves a deletion's window into the past instead of waiting days. */
const DELETION_ENV = { DELETION_PURGE_INTERVAL_SECONDS: '1' };

const CONTACT = `query($id: ID!) { contact(id: $id) { id lastName } }`;
const CASE = `query($id: ID!) { case(id: $id) { id subject contactDeleted contact { id } } }`;
const PREVIEW = `query($rule: JSON!) { previewSegment(rule: $rule, first: 5) { count } }`;
const DELETED = `query { deletedRecords(type: CONTACT, first: 100) { totalCount edges { node { id label restorableUntil deletedByKind } } } }`;

/**
 * Deletion with a restore window through the gateway (ADR 037): a deleted
 * contact is gone from sales' reads, service shows its cases' customer as
 * deleted, marketing's segments and analytics' copy drop it; a restore
 * within the window brings it back everywhere; after the window the purge
 * job deletes it for good, and each step is an event on the SALES stream.
 */
describe('deleting a contact, restoring it, and purging it (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let admin: string;
  let probe: StreamProbe;
  const salesDb = () => platform.sales.app.get(DataSource);
  const analyticsDb = () => platform.services.analytics.app.get(DataSource);
  const serviceDb = () => platform.services.service.app.get(DataSource);

  beforeAll(async () => {
    platform = await startPlatform({}, { sales: DELETION_ENV, service: DELETION_ENV });
    tenant = await createTenant(platform, 'deletion');
    admin = await tenant.tokenFor('admin');
    probe = await StreamProbe.connect();
  });

  afterAll(async () => {
    await probe?.close();
    await platform?.stop();
  });

  const call = (query: string, variables: Record<string, unknown> = {}, token = admin) =>
    graphql(platform.graphqlUrl, query, variables, bearer(token));
  const ok = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await call(query, variables);
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const errorOf = async (query: string, variables: Record<string, unknown>) => {
    const res = await call(query, variables);
    const e = res.errors?.[0];
    return `${String(e?.extensions?.code)}:${String(e?.extensions?.field ?? '')}`;
  };
  /** Polls a read until it equals `expected` (events travel asynchronously); no timed assertion. */
  async function until<T>(read: () => Promise<T>, expected: T, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (JSON.stringify(value) === JSON.stringify(expected)) return;
      if (Date.now() > deadline) expect(value).toEqual(expected);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const segmentCount = async (lastName: string) =>
    ((await ok(PREVIEW, { rule: { field: 'lastName', op: 'eq', value: lastName } })).previewSegment as { count: number }).count;
  const contactName = async (id: string) => ((await ok(CONTACT, { id })).contact as { lastName: string } | null)?.lastName ?? null;
  const caseView = async (id: string) => (await ok(CASE, { id })).case as { contactDeleted: boolean; contact: { id: string } | null };
  const analyticsState = async (id: string) => {
    const [row] = await analyticsDb().query(
      `SELECT deleted_at IS NOT NULL AS deleted, purged_at IS NOT NULL AS purged FROM contacts WHERE id = $1`,
      [id],
    );
    return row ?? null;
  };
  const salesEvents = async (id: string) =>
    (await probe.events(`SALES_${process.env.NATS_STREAM_SUFFIX}`, `${process.env.NATS_SUBJECT_PREFIX}.sales.contact.>`))
      .filter((e) => e.subjectId === id)
      .map((e) => e.type);

  it('takes a contact out of every service, brings it back within the window, and purges it after', async () => {
    const lastName = `Deletable-${tenant.slug}`;
    const contactId = (
      await ok(`mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`, {
        input: { lastName, firstName: 'Dee', emails: [`dee@${tenant.slug}.test`] },
      })
    ).createContact.contact.id as string;
    const caseId = (
      await ok(`mutation($input: OpenCaseInput!) { openCase(input: $input) { case { id } } }`, {
        input: { contactId, subject: 'Where is my order?' },
      })
    ).openCase.case.id as string;
    await until(() => segmentCount(lastName), 1);
    await until(() => analyticsState(contactId), { deleted: false, purged: false });

    // Delete: gone from sales, listed in the bin, the case keeps its history and shows the customer as deleted.
    const deleted = await ok(`mutation($id: ID!) { deleteContact(input: { id: $id }) { deletedRecord { id label restorableUntil } } }`, {
      id: contactId,
    });
    expect(deleted.deleteContact.deletedRecord).toMatchObject({ id: contactId, label: `Dee ${lastName}` });
    expect(await contactName(contactId)).toBeNull();
    expect(
      ((await ok(DELETED)).deletedRecords as { edges: { node: { id: string; deletedByKind: string } }[] }).edges.find(
        (e) => e.node.id === contactId,
      )?.node.deletedByKind,
    ).toBe('user');
    await until(async () => (await caseView(caseId)).contactDeleted, true);
    expect((await caseView(caseId)).contact).toBeNull();
    await until(() => segmentCount(lastName), 0);
    await until(() => analyticsState(contactId), { deleted: true, purged: false });

    // Bad input: clear errors naming what is wrong.
    const DELETE = `mutation($id: ID!) { deleteContact(input: { id: $id }) { deletedRecord { id } } }`;
    const RESTORE = `mutation($id: ID!) { restoreContact(input: { id: $id }) { contact { id } } }`;
    expect(await errorOf(DELETE, { id: contactId })).toBe('CONFLICT:input.id');
    expect(await errorOf(DELETE, { id: '00000000-0000-7000-8000-000000000000' })).toBe('NOT_FOUND:');
    expect(await errorOf(DELETE, { id: 'not-an-id' })).toBe('BAD_USER_INPUT:input.id');

    // Restore within the window: back everywhere.
    expect((await ok(RESTORE, { id: contactId })).restoreContact.contact.id).toBe(contactId);
    expect(await contactName(contactId)).toBe(lastName);
    expect(await errorOf(RESTORE, { id: contactId })).toBe('CONFLICT:input.id');
    await until(async () => (await caseView(caseId)).contactDeleted, false);
    expect((await caseView(caseId)).contact).toEqual({ id: contactId });
    await until(() => segmentCount(lastName), 1);
    await until(() => analyticsState(contactId), { deleted: false, purged: false });

    // Delete again and let the window pass: the job deletes it for good.
    await ok(DELETE, { id: contactId });
    // (The refusal of a restore between the window's end and the purge is in sales' deletion integration test: here the
    // job sweeps every second, so which of the two answers a restore would meet is a race.)
    await salesDb().query(`UPDATE deleted_records SET restorable_until = now() - interval '1 second' WHERE record_id = $1`, [contactId]);
    await until(async () => (await salesDb().query(`SELECT 1 FROM contacts_all WHERE id = $1`, [contactId])).length, 0);
    expect(await errorOf(RESTORE, { id: contactId })).toBe('NOT_FOUND:');
    expect(((await ok(DELETED)).deletedRecords as { edges: { node: { id: string } }[] }).edges.map((e) => e.node.id)).not.toContain(
      contactId,
    );
    await until(() => analyticsState(contactId), { deleted: true, purged: true });
    await until(
      async () => (await serviceDb().query(`SELECT purged_at IS NOT NULL AS purged FROM customer_contacts WHERE id = $1`, [contactId]))[0],
      { purged: true },
    );
    expect(await segmentCount(lastName)).toBe(0);
    // The case stays, with its history; its customer shows as deleted for good.
    expect(await caseView(caseId)).toMatchObject({ contactDeleted: true, contact: null });

    await until(
      () => salesEvents(contactId),
      ['sales.contact.created', 'sales.contact.deleted', 'sales.contact.restored', 'sales.contact.deleted', 'sales.contact.purged'],
    );
  });

  it('asks what happens to an account’s contacts, and deletes and restores cases', async () => {
    const accountId = (await ok(`mutation { createAccount(input: { name: "Deleted Ltd" }) { account { id } } }`)).createAccount.account.id;
    const contactId = (
      await ok(`mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`, {
        input: { lastName: 'Employee', accountId },
      })
    ).createContact.contact.id as string;
    const DELETE_ACCOUNT = `mutation($input: DeleteAccountInput!) { deleteAccount(input: $input) { deletedRecord { id } detachedContactIds } }`;
    expect(await errorOf(DELETE_ACCOUNT, { input: { id: accountId } })).toBe('BAD_USER_INPUT:input.contacts');
    const detached = await ok(DELETE_ACCOUNT, { input: { id: accountId, contacts: 'DETACH' } });
    expect(detached.deleteAccount.detachedContactIds).toEqual([contactId]);
    expect((await ok(`query($id: ID!) { account(id: $id) { id } }`, { id: accountId })).account).toBeNull();
    await ok(`mutation($id: ID!) { restoreAccount(input: { id: $id }) { account { id } } }`, { id: accountId });
    expect((await ok(`query($id: ID!) { contact(id: $id) { account { id } } }`, { id: contactId })).contact.account).toEqual({
      id: accountId,
    });

    const caseId = (
      await ok(`mutation($input: OpenCaseInput!) { openCase(input: $input) { case { id } } }`, { input: { contactId, subject: 'Oops' } })
    ).openCase.case.id as string;
    await ok(`mutation($id: ID!) { deleteCase(input: { id: $id }) { deletedCase { id } } }`, { id: caseId });
    expect((await ok(CASE, { id: caseId })).case).toBeNull();
    expect(
      ((await ok(`{ deletedCases { edges { node { id } } } }`)).deletedCases.edges as { node: { id: string } }[]).map((e) => e.node.id),
    ).toContain(caseId);
    await ok(`mutation($id: ID!) { restoreCase(input: { id: $id }) { case { id } } }`, { id: caseId });
    expect((await ok(CASE, { id: caseId })).case.id).toBe(caseId);
  });
});

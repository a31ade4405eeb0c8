import { OutboxRelay } from '@rapport/messaging';
import { bearer, graphql, StreamProbe } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { eventually } from '../harness/marketing-fixtures';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

const CREATE_ACCOUNT = `mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id name domain } } }`;
const CREATE_CONTACT = `mutation($input: CreateContactInput!) {
  createContact(input: $input) { contact { id firstName lastName emails phones externalIds { source key } account { id name } owner { id email } createdAt } }
}`;
const CONTACTS_PAGE = `query($first: Int, $after: String, $orderBy: ContactOrder, $filter: ContactFilter) {
  contacts(first: $first, after: $after, orderBy: $orderBy, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id lastName } }
  }
}`;

describe('contacts through the gateway (end to end)', () => {
  let platform: Platform;
  let acme: TestTenant;
  let token: string;
  let probe: StreamProbe;
  const stream = `SALES_${process.env.NATS_STREAM_SUFFIX}`;
  const subject = `${process.env.NATS_SUBJECT_PREFIX}.sales.contact.created`;

  beforeAll(async () => {
    platform = await startPlatform();
    acme = await createTenant(platform, 'acme');
    token = await acme.tokenFor('sales_rep');
    probe = await StreamProbe.connect();
  });

  afterAll(async () => {
    await probe?.close();
    await platform?.stop();
  });

  it('logs in, creates an account and a contact, reads it back with owner from identity', async () => {
    const account = await graphql(
      platform.graphqlUrl,
      CREATE_ACCOUNT,
      { input: { name: 'Acme Corp', domain: 'https://Acme.com/' } },
      bearer(token),
    );
    expect(account.errors).toBeUndefined();
    expect(account.data!.createAccount.account).toMatchObject({ name: 'Acme Corp', domain: 'acme.com' });
    const accountId = account.data!.createAccount.account.id;

    const created = await graphql(
      platform.graphqlUrl,
      CREATE_CONTACT,
      {
        input: {
          firstName: 'Ada',
          lastName: 'Lovelace',
          emails: ['Ada@Example.com'],
          phones: ['+44 20 7946 0000'],
          accountId,
          externalIds: [{ source: 'ERP', key: 'C-1001' }],
        },
      },
      bearer(token),
    );
    expect(created.errors).toBeUndefined();
    const contact = created.data!.createContact.contact;
    expect(contact).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      emails: ['ada@example.com'],
      externalIds: [{ source: 'erp', key: 'C-1001' }],
      account: { id: accountId, name: 'Acme Corp' },
      owner: { email: `sales_rep@${acme.slug}.test` },
    });

    const read = await graphql(
      platform.graphqlUrl,
      `
        query ($id: ID!) {
          contact(id: $id) {
            id
            lastName
            account {
              domain
            }
          }
        }
      `,
      { id: contact.id },
      bearer(token),
    );
    expect(read.data!.contact).toEqual({ id: contact.id, lastName: 'Lovelace', account: { domain: 'acme.com' } });

    const events = await probe.waitFor(stream, subject, (evs) => evs.some((e) => e.subjectId === contact.id));
    const mine = events.filter((e) => e.subjectId === contact.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      type: 'sales.contact.created',
      version: 1,
      tenantId: acme.id,
      actor: { kind: 'user' },
      data: { contact: { id: contact.id, lastName: 'Lovelace', emails: ['ada@example.com'], accountId } },
    });
    expect(mine[0].id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/); // UUID v7
  });

  it('publishes the event exactly once even when the relay sends it twice', async () => {
    const created = await graphql(platform.graphqlUrl, CREATE_CONTACT, { input: { lastName: 'Twice' } }, bearer(token));
    const id = created.data!.createContact.contact.id;
    await probe.waitFor(stream, subject, (evs) => evs.some((e) => e.subjectId === id));

    // Simulate a crash between publish and marking the row: the relay publishes it again.
    const ds = platform.sales.app.get(DataSource);
    await ds.query(`UPDATE outbox SET published_at = NULL WHERE envelope->>'subjectId' = $1`, [id]);
    // The relay's own poll may get there before this drain does: either way the row is sent again.
    await platform.sales.app.get(OutboxRelay).drain();
    const unsent = () => ds.query(`SELECT count(*)::int AS n FROM outbox WHERE envelope->>'subjectId' = $1 AND published_at IS NULL`, [id]);
    await eventually(unsent, (rows: { n: number }[]) => rows[0].n === 0, 10_000);

    const events = await probe.events(stream, subject);
    expect(events.filter((e) => e.subjectId === id)).toHaveLength(1);
  });

  it('pages through contacts with keyset cursors and a total count', async () => {
    const names = ['Page-A', 'Page-B', 'Page-C', 'Page-D', 'Page-E'];
    for (const lastName of names) {
      const res = await graphql(
        platform.graphqlUrl,
        CREATE_CONTACT,
        { input: { lastName, emails: [`${lastName}@paging.test`] } },
        bearer(token),
      );
      expect(res.errors).toBeUndefined();
    }
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res: any = await graphql(
        platform.graphqlUrl,
        CONTACTS_PAGE,
        { first: 2, after, orderBy: { field: 'LAST_NAME', direction: 'ASC' }, filter: { search: 'Page-' } },
        bearer(token),
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.contacts.totalCount).toBe(5);
      seen.push(...res.data.contacts.edges.map((e: any) => e.node.lastName));
      pages++;
      if (!res.data.contacts.pageInfo.hasNextPage) break;
      after = res.data.contacts.pageInfo.endCursor;
    }
    expect(seen).toEqual(names);
    expect(pages).toBe(3);

    const desc = await graphql(
      platform.graphqlUrl,
      CONTACTS_PAGE,
      { first: 2, orderBy: { field: 'LAST_NAME', direction: 'DESC' }, filter: { search: 'Page-' } },
      bearer(token),
    );
    expect(desc.data!.contacts.edges.map((e: any) => e.node.lastName)).toEqual(['Page-E', 'Page-D']);
  });

  it('pages backward with last and before, as Relay clients do, and refuses a cursor of the other direction', async () => {
    const BACKWARD = `query($last: Int, $before: String, $after: String) {
      contacts(last: $last, before: $before, after: $after, orderBy: { field: LAST_NAME, direction: ASC }, filter: { search: "Page-" }) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor } edges { node { lastName } }
      }
    }`;
    const pages: string[][] = [];
    let before: string | null = null;
    for (;;) {
      const res: any = await graphql(platform.graphqlUrl, BACKWARD, { last: 2, before }, bearer(token));
      expect(res.errors).toBeUndefined();
      expect(res.data.contacts.pageInfo.hasNextPage).toBe(before !== null);
      pages.push(res.data.contacts.edges.map((e: any) => e.node.lastName));
      if (!res.data.contacts.pageInfo.hasPreviousPage) break;
      before = res.data.contacts.pageInfo.startCursor;
    }
    expect(pages).toEqual([['Page-D', 'Page-E'], ['Page-B', 'Page-C'], ['Page-A']]);

    const mixed = await graphql(platform.graphqlUrl, BACKWARD, { last: 2, after: before }, bearer(token));
    expect(mixed.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const forged = await graphql(platform.graphqlUrl, BACKWARD, { last: 2, before: 'forged' }, bearer(token));
    expect(forged.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'before' });
  });

  it('refuses a second contact with the same external id (CONFLICT) and writes nothing', async () => {
    const input = { lastName: 'Dup', externalIds: [{ source: 'shop', key: 'S-9' }] };
    expect((await graphql(platform.graphqlUrl, CREATE_CONTACT, { input }, bearer(token))).errors).toBeUndefined();
    const again = await graphql(platform.graphqlUrl, CREATE_CONTACT, { input: { ...input, lastName: 'Dup2' } }, bearer(token));
    expect(again.errors![0].extensions).toMatchObject({ code: 'CONFLICT', field: 'externalIds' });
    const found = await graphql(platform.graphqlUrl, CONTACTS_PAGE, { filter: { search: 'Dup2' } }, bearer(token));
    expect(found.data!.contacts.totalCount).toBe(0);
  });

  it('updates a contact and publishes sales.contact.updated with the changed fields', async () => {
    const created = await graphql(
      platform.graphqlUrl,
      CREATE_CONTACT,
      { input: { lastName: 'Before', emails: ['x@y.test'] } },
      bearer(token),
    );
    const id = created.data!.createContact.contact.id;
    const updated = await graphql(
      platform.graphqlUrl,
      `
        mutation ($input: UpdateContactInput!) {
          updateContact(input: $input) {
            contact {
              id
              lastName
              emails
              firstName
            }
          }
        }
      `,
      { input: { id, lastName: 'After', firstName: null } },
      bearer(token),
    );
    expect(updated.data!.updateContact.contact).toEqual({ id, lastName: 'After', emails: ['x@y.test'], firstName: null });
    const updates = await probe.waitFor(stream, `${process.env.NATS_SUBJECT_PREFIX}.sales.contact.updated`, (evs) =>
      evs.some((e) => e.subjectId === id),
    );
    expect(updates.find((e) => e.subjectId === id)!.data).toMatchObject({ changed: ['lastName'] });
  });
});

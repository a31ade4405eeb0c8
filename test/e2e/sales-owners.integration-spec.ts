import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { bearer, graphql } from '@rapport/testing';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

const CREATE_USER = `mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }`;
const CREATE_CONTACT = `mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id owner { id email active } } } }`;
const DEACTIVATE = `mutation($id: ID!) { deactivateUser(id: $id) { user { id active } } }`;
const REACTIVATE = `mutation($id: ID!) { reactivateUser(id: $id) { user { id active } } }`;
const ASSIGN = `mutation($i: SetLeadAssignmentRulesInput!) { setLeadAssignmentRules(input: $i) { rules { roundRobinUsers { id } } } }`;

/**
 * Owners through the gateway: a user created in identity a moment ago can
 * own a contact at once (sales waits briefly for identity.user.created), and
 * once identity deactivates them, sales refuses them (ADR 007).
 */
describe('sales owners follow identity (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let admin: string;
  let manager: string;

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'owners');
    admin = await tenant.tokenFor('admin');
    manager = await tenant.tokenFor('sales_manager');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const gql = (query: string, variables: Record<string, unknown>, token = manager) =>
    graphql(platform.graphqlUrl, query, variables, bearer(token));

  /** Retries `attempt` until it returns true; the projection follows identity asynchronously. */
  async function eventually(what: string, attempt: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await attempt())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  it('accepts a user created a moment ago as owner, refuses a made-up id, and refuses the user once deactivated', async () => {
    const created = await gql(
      CREATE_USER,
      { i: { email: 'new.rep@owners.test', displayName: 'New Rep', password: 'new-rep-password', roles: ['sales_rep'] } },
      admin,
    );
    expect(created.errors).toBeUndefined();
    const repId = created.data!.createUser.user.id as string;

    // Straight away: sales has not necessarily seen identity.user.created yet, and waits for it.
    const owned = await gql(CREATE_CONTACT, { i: { lastName: 'Owned', ownerId: repId } });
    expect(owned.errors).toBeUndefined();
    expect(owned.data!.createContact.contact.owner).toEqual({ id: repId, email: 'new.rep@owners.test', active: true });

    const madeUp = randomUUID();
    const refused = await gql(CREATE_CONTACT, { i: { lastName: 'Nobody', ownerId: madeUp } });
    expect(refused.errors![0]).toMatchObject({
      message: `ownerId: no active user ${madeUp} in this tenant`,
      extensions: { code: 'BAD_USER_INPUT', field: 'ownerId' },
    });

    expect((await gql(DEACTIVATE, { id: repId }, admin)).data!.deactivateUser.user.active).toBe(false);
    await eventually('sales refuses the deactivated user', async () => {
      const res = await gql(ASSIGN, { i: { roundRobinUserIds: [repId] } });
      // Accepted while sales has not yet seen the deactivation; any other error is a real failure.
      if (res.errors && res.errors[0].extensions?.field !== 'roundRobinUserIds[0]') throw new Error(JSON.stringify(res.errors));
      return !!res.errors;
    });
    const afterDeactivation = await gql(CREATE_CONTACT, { i: { lastName: 'Late', ownerId: repId } });
    expect(afterDeactivation.errors![0]).toMatchObject({
      message: `ownerId: user ${repId} is deactivated`,
      extensions: { code: 'BAD_USER_INPUT', field: 'ownerId' },
    });

    await gql(REACTIVATE, { id: repId }, admin);
    await eventually('sales accepts the reactivated user', async () => {
      const res = await gql(ASSIGN, { i: { roundRobinUserIds: [repId] } });
      if (res.errors && res.errors[0].extensions?.field !== 'roundRobinUserIds[0]') throw new Error(JSON.stringify(res.errors));
      return !res.errors;
    });
  });
});

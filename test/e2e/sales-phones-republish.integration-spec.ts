import { bearer, graphql } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { rewritePhonesE164 } from '../../apps/sales/src/migrations/1765310000000-sales-phones-e164';
import { republishE164Phones } from '../../apps/sales/src/migrations/1766936000000-sales-republish-e164-phones';
import { eventually, marketingDb } from '../harness/marketing-fixtures';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(180_000);

/**
 * A contact stored before E.164 ("030 5551234"), copied so by marketing:
 * the E.164 migration rewrote sales' row only, so a marketing rule on the
 * E.164 number missed the contact. The follow-up migration publishes
 * contact.updated through the outbox, and marketing's copy — seen through
 * the gateway as segment membership — follows.
 */
describe('phones rewritten to E.164 reach the other services (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  const suffix = Math.random().toString(36).slice(2, 8);

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'phones-republish');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it("marketing's copy holds the E.164 number after the migrations, and a segment on it finds the contact", async () => {
    const manager = bearer(await tenant.tokenFor('sales_manager'));
    const marketer = bearer(await tenant.tokenFor('marketer'));
    const ok = async (headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}) => {
      const res = await graphql(platform.graphqlUrl, query, variables, headers);
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      return res.data as Record<string, any>;
    };
    await ok(manager, `mutation { setDuplicateRules(input: { rules: [], defaultCountryCode: "DE" }) { defaultCountryCode } }`);
    const contactId = (
      await ok(manager, `mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`, {
        i: { lastName: `Old-${suffix}`, phones: ['+49 30 5551234'] },
      })
    ).createContact.contact.id as string;
    const marketing = marketingDb(platform);
    await eventually(
      async () => (await marketing.query(`SELECT phones FROM contacts WHERE id = $1`, [contactId]))[0]?.phones as string[] | undefined,
      (phones) => phones?.[0] === '+49305551234',
    );

    // The world before the E.164 migration: both sales and marketing hold the national spelling.
    const sales = platform.sales.app.get(DataSource);
    await sales.query(`UPDATE contacts SET phones = '{030 5551234}' WHERE id = $1`, [contactId]);
    await marketing.query(`UPDATE contacts SET phones = '{030 5551234}', phone = '030 5551234' WHERE id = $1`, [contactId]);
    const segment = (
      await ok(marketer, `mutation($i: CreateSegmentInput!) { createSegment(input: $i) { segment { id } } }`, {
        i: {
          name: `E164 ${suffix}`,
          rule: {
            and: [
              { field: 'phone', op: 'eq', value: '+49305551234' },
              { field: 'lastName', op: 'eq', value: `Old-${suffix}` },
            ],
          },
        },
      })
    ).createSegment.segment.id as string;
    const members = async () =>
      (await ok(marketer, `query($id: ID!) { segment(id: $id) { memberCount } }`, { id: segment })).segment.memberCount as number;
    expect(await members()).toBe(0);

    // The migrations, in order, in one transaction as TypeORM runs them.
    const published = await sales.transaction(async (em) => {
      await rewritePhonesE164(em);
      return republishE164Phones(em);
    });
    expect(published).toBeGreaterThanOrEqual(1);
    expect((await sales.query(`SELECT phones FROM contacts WHERE id = $1`, [contactId]))[0].phones).toEqual(['+49305551234']);

    await eventually(members, (n) => n === 1);
    const [copy] = await marketing.query(`SELECT phone, phones FROM contacts WHERE id = $1`, [contactId]);
    expect(copy).toEqual({ phone: '+49305551234', phones: ['+49305551234'] });
  });
});

import { bearer, graphql } from '@rapport/testing';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

const RULES = `mutation($i: SetDuplicateRulesInput!) { setDuplicateRules(input: $i) { defaultCountryCode } }`;
const CREATE_CONTACT = `mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id phones } } }`;
const FIND = `query($i: DuplicateProbeInput!) { findDuplicates(input: $i) { rule contact { id } } }`;
const CREATE_LEAD = `mutation($i: CreateLeadInput!) { createLead(input: $i) { lead { phone } } }`;
const IMPORT = `mutation($input: ImportRecordsInput!) { importRecords(input: $input) { rows { status field id } } }`;

/** Phones through the gateway: E.164 under the tenant's default country, the same number matched however it is written. */
describe('phone numbers (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let manager: string;
  const gql = (query: string, variables: Record<string, unknown>) => graphql(platform.graphqlUrl, query, variables, bearer(manager));

  beforeAll(async () => {
    platform = await startPlatform();
    tenant = await createTenant(platform, 'phones');
    manager = await tenant.tokenFor('sales_manager');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('needs a country code until the tenant sets a default; then matches "+49 (0)30 555-1234" and "030 5551234"', async () => {
    const national = await gql(CREATE_CONTACT, { i: { lastName: 'Nowhere', phones: ['030 5551234'] } });
    expect(national.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'phones[0]' });
    expect(national.errors![0].message).toMatch(/country code/);

    const set = await gql(RULES, { i: { rules: [{ type: 'NORMALISED_PHONE', weight: 1 }], defaultCountryCode: 'de' } });
    expect(set.data!.setDuplicateRules.defaultCountryCode).toBe('DE');
    const badDefault = await gql(RULES, { i: { rules: [], defaultCountryCode: 'Germany' } });
    expect(badDefault.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'defaultCountryCode' });

    const created = await gql(CREATE_CONTACT, {
      i: { lastName: 'Berlin', phones: ['+49 (0)30 555-1234', '030 5551234', '0044 20 7946 0000'] },
    });
    expect(created.errors).toBeUndefined();
    expect(created.data!.createContact.contact.phones).toEqual(['+49305551234', '+442079460000']);

    const found = await gql(FIND, { i: { lastName: 'Other', phones: ['030 5551234'] } });
    expect(found.data!.findDuplicates).toEqual([{ rule: 'NORMALISED_PHONE', contact: { id: created.data!.createContact.contact.id } }]);

    const invalid = await gql(CREATE_CONTACT, { i: { lastName: 'Fake', phones: ['+49 30 1'] } });
    expect(invalid.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'phones[0]' });
    const lead = await gql(CREATE_LEAD, { i: { lastName: 'Lead', phone: '0171 2345678' } });
    expect(lead.data!.createLead.lead.phone).toBe('+491712345678');
    const badLead = await gql(CREATE_LEAD, { i: { lastName: 'Lead', phone: 'call me' } });
    expect(badLead.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'phone' });

    const imported = await gql(IMPORT, {
      input: {
        kind: 'CONTACT',
        header: ['Last', 'Phone'],
        mapping: [
          { column: 'Last', field: 'lastName' },
          { column: 'Phone', field: 'phone' },
        ],
        rows: [
          ['Munich', '089 1234567'],
          ['Broken', '12'],
        ],
        options: { duplicatePolicy: 'ALLOW' },
      },
    });
    expect(imported.data!.importRecords.rows).toEqual([
      { status: 'CREATED', field: null, id: expect.any(String) },
      { status: 'INVALID', field: 'phone[0]', id: null },
    ]);
  });
});

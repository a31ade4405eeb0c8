import { SmtpSink } from '@rapport/channels/testing';
import { bearer, graphql } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(90_000);

/** Where the service's links say they are; the test sends them to the gateway it started (its port is known only then). */
const PUBLIC = 'https://crm.example.test';
const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`;
const OPEN_CASE = `mutation($input: OpenCaseInput!) { openCase(input: $input) { case { id } } }`;
const CHANGE_STATUS = `mutation($input: ChangeCaseStatusInput!) { changeCaseStatus(input: $input) { case { status } } }`;
const SATISFACTION = `query($id: ID!) { case(id: $id) { status satisfaction { rating comment answeredAt } } }`;

/**
 * Satisfaction surveys end to end: an agent resolves a case through the
 * gateway, the customer gets the survey email, clicks a rating link — which
 * the gateway forwards to the service without any login — and the agent
 * sees the rating on the case.
 */
describe('satisfaction survey by email through the gateway (end to end)', () => {
  let platform: Platform;
  let sink: SmtpSink;
  let tenant: TestTenant;

  const ok = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(token));
    expect(res.errors).toBeUndefined();
    return res.data!;
  };

  beforeAll(async () => {
    sink = await SmtpSink.start();
    platform = await startPlatform(
      {},
      { service: { SERVICE_SMTP_URL: sink.url, SERVICE_EMAIL_FROM: 'Rapport Support <support@rapport.test>', SERVICE_PUBLIC_URL: PUBLIC } },
    );
    tenant = await createTenant(platform, 'surveys');
  });

  afterAll(async () => {
    await platform?.stop();
    await sink?.close();
  });

  it('resolution → survey email → one click on a rating → the rating is on the case', async () => {
    const admin = await tenant.tokenFor('admin');
    const agent = await tenant.tokenFor('support_agent');
    const created = await ok(admin, CREATE_CONTACT, { input: { firstName: 'Ada', lastName: 'Lovelace', emails: ['ada@engine.example'] } });
    const contactId = created.createContact.contact.id as string;
    const caseId = (await ok(agent, OPEN_CASE, { input: { contactId, subject: 'Engine stalls' } })).openCase.case.id as string;
    // The survey needs her address in the service's copy of the customer master.
    const service = platform.services.service.app.get(DataSource);
    for (let n = 0; (await service.query(`SELECT 1 FROM customer_contact_emails WHERE contact_id = $1`, [contactId])).length === 0; n++) {
      if (n > 200) throw new Error('contact address not projected');
      await new Promise((r) => setTimeout(r, 100));
    }
    await ok(agent, CHANGE_STATUS, { input: { caseId, status: 'RESOLVED' } });

    const mail = await sink.waitForMessageTo('ada@engine.example', 20_000);
    expect(mail.parsed.subject).toBe('How did we do? Engine stalls');
    const link = /5 – Very happy: (\S+)/.exec(mail.parsed.text ?? '')![1];
    expect(link.startsWith(`${PUBLIC}/s/rate/`)).toBe(true);
    const viaGateway = link.replace(PUBLIC, platform.gateway.url);

    // What a browser does with the click: open the page, which posts the rating it names.
    const page = await fetch(viaGateway);
    expect(page.status).toBe(200);
    const form = /<form id="rate" method="post" action="([^"]+)"><input type="hidden" name="rating" value="(\d)">/.exec(await page.text());
    expect(form?.[2]).toBe('5');
    const action = new URL(form![1], viaGateway);
    const rated = await fetch(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `rating=${form![2]}`,
    });
    expect(rated.status).toBe(200);

    const seen = await ok(agent, SATISFACTION, { id: caseId });
    expect(seen.case.satisfaction).toMatchObject({ rating: 5, comment: null });
    expect(seen.case.satisfaction.answeredAt).not.toBeNull();
    // Once per resolution.
    expect(
      (await fetch(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'rating=1' })).status,
    ).toBe(409);
    // Nothing else is reachable under /s/ without login.
    expect((await fetch(`${platform.gateway.url}/s/graphql`, { method: 'POST' })).status).toBe(404);
  });
});

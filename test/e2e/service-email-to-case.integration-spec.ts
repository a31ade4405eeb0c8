import { SmtpSink } from '@rapport/channels/testing';
import { bearer, graphql, eventuallyWithin } from '@rapport/testing';
import { createTransport, type SendMailOptions } from 'nodemailer';
import { DataSource } from 'typeorm';
import { InboundSmtpServer } from '../../apps/service/src/inbound-email/inbound-smtp.server';
import { createTenant, customerToken, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(90_000);

const DOMAIN = 'support.rapport.test';
const CREATE_CONTACT = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`;
const CASES = `query($contactId: ID!) {
  cases(filter: { contactId: $contactId }) {
    totalCount
    edges { node { id subject description channel status replyAddress contact { id }
      comments { body byCustomer visibility } emailAttachments { fileName sizeBytes contentType url } } }
  }
}`;
const INBOUND = `query($status: InboundEmailStatus) {
  inboundEmails(filter: { status: $status }) { totalCount edges { node { from subject status ignoredReason case { id } } } }
}`;

/**
 * Email-to-case end to end: sales creates the customer, the service's SMTP
 * endpoint takes her email (a real SMTP client), the agent finds the case
 * through the gateway, her reply threads onto it, her out-of-office is
 * ignored, and a stranger's mail waits in the triage list.
 */
describe('email-to-case through the gateway (end to end)', () => {
  let platform: Platform;
  let sink: SmtpSink;
  let tenant: TestTenant;
  let agent: string;

  const ok = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(token));
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const eventually = eventuallyWithin({ timeoutMs: 20_000 });
  async function send(mail: SendMailOptions) {
    const port = platform.services.service.app.get(InboundSmtpServer).port as number;
    const transport = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    try {
      return await transport.sendMail(mail);
    } finally {
      transport.close();
    }
  }

  beforeAll(async () => {
    sink = await SmtpSink.start();
    platform = await startPlatform(
      {},
      {
        service: {
          SERVICE_INBOUND_EMAIL_DOMAIN: DOMAIN,
          SERVICE_INBOUND_SMTP_PORT: '0',
          SERVICE_SMTP_URL: sink.url,
          SERVICE_EMAIL_FROM: 'Rapport Support <support@rapport.test>',
        },
      },
    );
    tenant = await createTenant(platform, 'maildesk');
    agent = await tenant.tokenFor('support_agent');
  });

  afterAll(async () => {
    await platform?.stop();
    await sink?.close();
  });

  it('an email opens a case the agent sees; the reply threads onto it; an auto-reply and a stranger open nothing until triaged', async () => {
    const admin = await tenant.tokenFor('admin');
    // The tenant's support address comes from identity's tenant.created, through the service's own copy.
    const { supportEmailAddress: address } = await eventually(
      () => ok(agent, `{ supportEmailAddress }`),
      (d) => d.supportEmailAddress !== null,
    );
    expect(address).toBe(`${tenant.slug}@${DOMAIN}`);
    const created = await ok(admin, CREATE_CONTACT, { input: { firstName: 'Grace', lastName: 'Hopper', emails: ['grace@navy.example'] } });
    const contactId = created.createContact.contact.id as string;
    const service = platform.services.service.app.get(DataSource);
    await eventually(
      () => service.query(`SELECT count(*)::int AS n FROM customer_contact_emails WHERE contact_id = $1`, [contactId]),
      (r: { n: number }[]) => r[0].n === 1,
    );

    await send({
      from: 'Grace Hopper <grace@navy.example>',
      to: address,
      subject: 'Compiler crashes',
      text: 'It crashes on COBOL input.',
      attachments: [{ filename: 'trace.txt', content: 'stack trace' }],
    });
    const first = await ok(agent, CASES, { contactId });
    expect(first.cases.totalCount).toBe(1);
    const c = first.cases.edges[0].node;
    expect(c).toMatchObject({
      subject: 'Compiler crashes',
      channel: 'EMAIL',
      status: 'NEW',
      contact: { id: contactId },
      emailAttachments: [
        {
          fileName: 'trace.txt',
          sizeBytes: 11,
          contentType: 'text/plain',
          url: expect.stringMatching(/^\/case-attachments\/[0-9a-f-]{36}$/),
        },
      ],
    });
    expect(c.description).toContain('It crashes on COBOL input.');
    // The agent downloads the file through the gateway with their token; nobody does without one.
    const fileUrl = `${platform.gateway.url}${c.emailAttachments[0].url}`;
    const file = await fetch(fileUrl, { headers: bearer(agent) });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/octet-stream');
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''trace.txt`);
    expect(await file.text()).toBe('stack trace');
    expect((await fetch(fileUrl)).status).toBe(401);
    expect(c.replyAddress).toMatch(new RegExp(`^${tenant.slug}\\+[a-z2-7]{20}@${DOMAIN.replace(/\./g, '\\.')}$`));

    // The acknowledgement arrives with the case's reply address; answering it threads onto the case.
    const ack = await sink.waitForMessageTo('grace@navy.example');
    expect(ack.header('reply-to')).toBe(c.replyAddress);
    await send({ from: 'grace@navy.example', to: ack.header('reply-to'), subject: `Re: ${ack.parsed.subject}`, text: 'Also on FORTRAN.' });
    // Her out-of-office answering the acknowledgement is recorded and left alone.
    await send({
      from: 'grace@navy.example',
      to: ack.header('reply-to'),
      subject: `Automatic reply: ${ack.parsed.subject}`,
      text: 'I am at sea until May.',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    const after = await ok(agent, CASES, { contactId });
    expect(after.cases.totalCount).toBe(1);
    expect(after.cases.edges[0].node.comments).toEqual([{ body: 'Also on FORTRAN.', byCustomer: true, visibility: 'PUBLIC' }]);
    const ignored = await ok(agent, INBOUND, { status: 'IGNORED' });
    expect(ignored.inboundEmails.edges.map((e: { node: unknown }) => e.node)).toEqual([
      {
        from: 'grace@navy.example',
        subject: `Automatic reply: ${ack.parsed.subject}`,
        status: 'IGNORED',
        ignoredReason: 'Auto-Submitted: auto-replied',
        case: null,
      },
    ]);

    // A sender no contact has waits for triage; agents list them.
    await send({ from: 'someone@unknown.example', to: address, subject: 'Hello?', text: 'Anyone there?' });
    const triage = await ok(agent, INBOUND, { status: 'UNKNOWN_SENDER' });
    expect(triage.inboundEmails.edges.map((e: { node: { from: string } }) => e.node.from)).toEqual(['someone@unknown.example']);
    const all = await ok(agent, INBOUND, {});
    expect(all.inboundEmails.totalCount).toBe(4);
    expect(sink.messages.filter((m) => m.envelope.to.includes('grace@navy.example'))).toHaveLength(1);

    // The agent settles it: the sender is a contact after all (created in sales now), and the email becomes her case.
    const heldId = (await ok(agent, `{ inboundEmails(filter: { status: UNKNOWN_SENDER }) { edges { node { id } } } }`)).inboundEmails
      .edges[0].node.id as string;
    const other = await ok(admin, CREATE_CONTACT, { input: { lastName: 'Prospect', emails: ['someone@unknown.example'] } });
    const otherId = other.createContact.contact.id as string;
    const settled = await eventually(
      () =>
        graphql(
          platform.graphqlUrl,
          `
            mutation ($input: OpenCaseFromInboundEmailInput!) {
              openCaseFromInboundEmail(input: $input) {
                case {
                  id
                  subject
                  channel
                  contact {
                    id
                  }
                }
                inboundEmail {
                  status
                  case {
                    id
                  }
                }
              }
            }
          `,
          { input: { inboundEmailId: heldId, contactId: otherId } },
          bearer(agent),
        ),
      (res) => res.errors === undefined,
    );
    const { openCaseFromInboundEmail: opened } = settled.data!;
    expect(opened.case).toMatchObject({ subject: 'Hello?', channel: 'EMAIL', contact: { id: otherId } });
    expect(opened.inboundEmail).toEqual({ status: 'CASE_OPENED', case: { id: opened.case.id } });
    expect((await sink.waitForMessageTo('someone@unknown.example')).header('auto-submitted')).toBe('auto-replied');
    const twice = await graphql(
      platform.graphqlUrl,
      `
        mutation ($input: OpenCaseFromInboundEmailInput!) {
          openCaseFromInboundEmail(input: $input) {
            case {
              id
            }
          }
        }
      `,
      { input: { inboundEmailId: heldId, contactId: otherId } },
      bearer(agent),
    );
    expect(twice.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'inboundEmailId' });

    // Customers fetch their own case's files, never another customer's.
    expect((await fetch(fileUrl, { headers: bearer(await customerToken(platform, tenant, contactId)) })).status).toBe(200);
    expect((await fetch(fileUrl, { headers: bearer(await customerToken(platform, tenant, otherId)) })).status).toBe(404);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, graphql, selfSignedCertificate, eventuallyWithin } from '@rapport/testing';
import { createTransport, type SendMailOptions } from 'nodemailer';
import { DataSource } from 'typeorm';
import { InboundSmtpServer } from '../../apps/service/src/inbound-email/inbound-smtp.server';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

jest.setTimeout(120_000);

const DOMAIN = 'support.starttls.test';
const CASES = `query($contactId: ID!) { cases(filter: { contactId: $contactId }) { edges { node { subject channel } } } }`;

/**
 * Mail reaches the support address over TLS: the inbound SMTP endpoint
 * offers STARTTLS with the certificate configured for it (a client that
 * requires TLS and trusts only that certificate delivers), and a sender
 * without TLS is still taken (MTAs fall back to plain text).
 */
describe('inbound SMTP with STARTTLS (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let dir: string;
  let cert: string;

  const ok = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(token));
    expect(res.errors).toBeUndefined();
    return res.data!;
  };
  const eventually = eventuallyWithin({ timeoutMs: 20_000 });
  async function send(mail: SendMailOptions, tls: 'required' | 'none') {
    const port = platform.services.service.app.get(InboundSmtpServer).port as number;
    const transport = createTransport(
      tls === 'required'
        ? { host: '127.0.0.1', port, secure: false, requireTLS: true, tls: { ca: [cert], servername: DOMAIN } }
        : { host: '127.0.0.1', port, secure: false, ignoreTLS: true },
    );
    try {
      return await transport.sendMail(mail);
    } finally {
      transport.close();
    }
  }

  beforeAll(async () => {
    // A certificate for the mail domain, as a Kubernetes TLS secret would mount it.
    dir = mkdtempSync(join(tmpdir(), 'rapport-smtp-tls-'));
    selfSignedCertificate(dir, 'tls', DOMAIN);
    cert = readFileSync(join(dir, 'tls.crt'), 'utf8');
    platform = await startPlatform(
      {},
      {
        service: {
          SERVICE_INBOUND_EMAIL_DOMAIN: DOMAIN,
          SERVICE_INBOUND_SMTP_PORT: '0',
          SERVICE_INBOUND_SMTP_TLS_KEY_FILE: join(dir, 'tls.key'),
          SERVICE_INBOUND_SMTP_TLS_CERT_FILE: join(dir, 'tls.crt'),
        },
      },
    );
    tenant = await createTenant(platform, 'tlsdesk');
  });

  afterAll(async () => {
    await platform?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('takes mail over STARTTLS with the configured certificate, and still without TLS', async () => {
    const admin = await tenant.tokenFor('admin');
    const agent = await tenant.tokenFor('support_agent');
    const { supportEmailAddress: address } = await eventually(
      () => ok(agent, `{ supportEmailAddress }`),
      (d) => d.supportEmailAddress !== null,
    );
    const created = await ok(
      admin,
      `mutation { createContact(input: { lastName: "Lamarr", emails: ["hedy@radio.example"] }) { contact { id } } }`,
    );
    const contactId = created.createContact.contact.id as string;
    const service = platform.services.service.app.get(DataSource);
    await eventually(
      () => service.query(`SELECT count(*)::int AS n FROM customer_contact_emails WHERE contact_id = $1`, [contactId]),
      (r: { n: number }[]) => r[0].n === 1,
    );

    // requireTLS: nodemailer refuses to send unless STARTTLS upgrades the session, and verifies the certificate against `ca`.
    const secure = await send({ from: 'hedy@radio.example', to: address, subject: 'Over TLS', text: 'Encrypted.' }, 'required');
    expect(secure.response).toMatch(/^250 /);
    await send({ from: 'hedy@radio.example', to: address, subject: 'In plain text', text: 'Not encrypted.' }, 'none');

    const cases = await eventually(
      () => ok(agent, CASES, { contactId }),
      (d) => d.cases.edges.length === 2,
    );
    expect(cases.cases.edges.map((e: { node: { subject: string } }) => e.node.subject).sort()).toEqual(['In plain text', 'Over TLS']);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from '@rapport/testing';
import { loadSmtpTls } from './smtp-tls';

describe('loadSmtpTls', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  const selfSigned = (name: string) => selfSignedCertificate(dir, name, 'mail.test');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'smtp-tls-'));
    selfSigned('a');
    selfSigned('b');
    writeFileSync(file('junk.pem'), 'not a certificate');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is off (the built-in development certificate) when neither file is set', () => {
    expect(loadSmtpTls('', '')).toBeNull();
  });

  it('loads a key and the certificate it belongs to', () => {
    expect(loadSmtpTls(file('a.key'), file('a.crt'))).toMatchObject({
      source: 'files',
      cert: expect.stringContaining('BEGIN CERTIFICATE'),
    });
  });

  it('refuses, naming the setting, what would fail every handshake later', () => {
    expect(() => loadSmtpTls(file('a.key'), '')).toThrow(/set both or neither/);
    expect(() => loadSmtpTls(file('a.key'), file('missing.crt'))).toThrow(/SERVICE_INBOUND_SMTP_TLS_CERT_FILE: cannot read/);
    expect(() => loadSmtpTls(file('a.key'), file('junk.pem'))).toThrow(/SERVICE_INBOUND_SMTP_TLS_CERT_FILE: .* is not a PEM certificate/);
    expect(() => loadSmtpTls(file('junk.pem'), file('a.crt'))).toThrow(/SERVICE_INBOUND_SMTP_TLS_KEY_FILE: .* is not a PEM private key/);
    expect(() => loadSmtpTls(file('b.key'), file('a.crt'))).toThrow(/does not belong to the certificate/);
    expect(() => loadSmtpTls(file('a.key'), file('a.crt'), new Date(Date.now() + 10 * 24 * 3600_000))).toThrow(/not now/);
  });
});

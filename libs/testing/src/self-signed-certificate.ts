import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * A throw-away self-signed certificate for `domain` (2 days, RSA 2048, with the
 * domain as subjectAltName), written by openssl as `<name>.key` and `<name>.crt`
 * in `dir`; returns their paths.
 */
export function selfSignedCertificate(dir: string, name: string, domain: string): { keyFile: string; certFile: string } {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${domain}`,
      '-addext',
      `subjectAltName=DNS:${domain}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { keyFile, certFile };
}

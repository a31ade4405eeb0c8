import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The certificate the inbound SMTP endpoint offers after STARTTLS. */
export interface SmtpTls {
  key: string;
  cert: string;
  /** Where it came from, for the start-up log: the configured files, or smtp-server's built-in localhost certificate. */
  source: 'files' | 'built-in';
}

/**
 * Reads and checks the STARTTLS key and certificate (PEM files, e.g. a
 * mounted Kubernetes TLS secret) before the endpoint listens: a missing
 * file, an unreadable PEM, a key that does not belong to the certificate or
 * a certificate out of its validity window stops the start with the setting
 * to fix, instead of failing every sender's handshake later. Neither file
 * configured: null, and smtp-server's own self-signed localhost certificate
 * serves (development only; senders that verify certificates refuse it).
 */
export function loadSmtpTls(keyFile: string, certFile: string, now = new Date()): SmtpTls | null {
  if (!keyFile && !certFile) return null;
  if (!keyFile || !certFile)
    throw new Error('SERVICE_INBOUND_SMTP_TLS_KEY_FILE and SERVICE_INBOUND_SMTP_TLS_CERT_FILE go together: set both or neither');
  const read = (setting: string, file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`${setting}: cannot read ${file} (${(err as Error).message})`);
    }
  };
  const key = read('SERVICE_INBOUND_SMTP_TLS_KEY_FILE', keyFile);
  const cert = read('SERVICE_INBOUND_SMTP_TLS_CERT_FILE', certFile);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`SERVICE_INBOUND_SMTP_TLS_CERT_FILE: ${certFile} is not a PEM certificate (${(err as Error).message})`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new Error(`SERVICE_INBOUND_SMTP_TLS_KEY_FILE: ${keyFile} is not a PEM private key (${(err as Error).message})`);
  }
  if (!x509.checkPrivateKey(privateKey))
    throw new Error(`SERVICE_INBOUND_SMTP_TLS_KEY_FILE: the key in ${keyFile} does not belong to the certificate in ${certFile}`);
  if (now < new Date(x509.validFrom) || now > new Date(x509.validTo))
    throw new Error(`SERVICE_INBOUND_SMTP_TLS_CERT_FILE: the certificate is valid ${x509.validFrom} – ${x509.validTo}, not now`);
  return { key, cert, source: 'files' };
}

import { ChannelConfigurationError } from '../errors';

/** Where and how to reach the SMTP server, as given by one URL. */
export interface SmtpEndpoint {
  host: string;
  port: number;
  /** smtps: TLS from the first byte (port 465 by default). smtp: STARTTLS when the server offers it (587 by default). */
  secure: boolean;
  auth?: { user: string; pass: string };
}

/**
 * Parses `smtp://user:pass@host:port` or `smtps://…`. User and password are
 * percent-decoded (write `p%40ss` for `p@ss`). A path or query is refused
 * rather than ignored, so a mistyped option does not silently do nothing.
 */
export function parseSmtpUrl(raw: string): SmtpEndpoint {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ChannelConfigurationError('SMTP URL is not a URL (expected smtp://user:pass@host:port or smtps://…)');
  }
  const where = redact(url);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new ChannelConfigurationError(`SMTP URL ${where}: protocol must be smtp or smtps`);
  if (url.hostname === '') throw new ChannelConfigurationError(`SMTP URL ${where}: no host`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new ChannelConfigurationError(`SMTP URL ${where}: has a path, query or fragment, which are not supported`);
  }
  const secure = url.protocol === 'smtps:';
  const endpoint: SmtpEndpoint = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    secure,
  };
  if (url.username !== '' || url.password !== '') {
    try {
      endpoint.auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
    } catch {
      throw new ChannelConfigurationError(`SMTP URL ${where}: user or password is not correctly percent-encoded`);
    }
  }
  return endpoint;
}

/** The URL without its password, for error messages and logs. */
export function redact(url: URL): string {
  if (url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}

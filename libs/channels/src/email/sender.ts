import addressparser from 'nodemailer/lib/addressparser';
import { ChannelConfigurationError } from '../errors';
import { emailAddressProblem } from '../validation';

/** The configured From: what goes in the header, and the domain our Message-IDs use. */
export interface Sender {
  from: string;
  /** The display name ('' for none). */
  name: string;
  address: string;
  domain: string;
}

/** Parses `news@example.com` or `Example News <news@example.com>`. */
export function parseSender(from: string): Sender {
  const parsed = addressparser(from);
  const only = parsed.length === 1 ? parsed[0] : undefined;
  const address = only?.address ?? '';
  const problem = only === undefined ? 'expected exactly one address' : emailAddressProblem(address);
  if (problem !== null) throw new ChannelConfigurationError(`email From ${JSON.stringify(from)}: ${problem}`);
  return { from, name: only?.name ?? '', address, domain: address.slice(address.lastIndexOf('@') + 1).toLowerCase() };
}

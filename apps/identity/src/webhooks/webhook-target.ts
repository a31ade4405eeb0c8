import { isIP } from 'node:net';
import { badUserInput } from '@rapport/auth';

/**
 * Addresses a webhook must never reach unless the operator allows private
 * targets (WEBHOOK_ALLOW_PRIVATE_TARGETS): loopback, private, link-local
 * (cloud metadata at 169.254.169.254), carrier-grade NAT, unique-local,
 * multicast and unspecified — a tenant must not reach the cluster's insides.
 */
export function isPrivateAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 198 && (b === 18 || b === 19)) ||
      a >= 224
    );
  }
  const v6 = address.toLowerCase();
  return (
    v6 === '::' ||
    v6 === '::1' ||
    v6.startsWith('fc') ||
    v6.startsWith('fd') ||
    /^fe[89ab]/.test(v6) ||
    v6.startsWith('ff') ||
    v6.startsWith('64:ff9b:') ||
    v6.startsWith('::ffff:')
  );
}

/**
 * The endpoint URL as stored: https, or http only where private targets are
 * allowed (development and tests reach a local receiver); no credentials in
 * it; a literal private address refused at once. Names are checked again at
 * every connection (guardedLookup), where they are resolved.
 */
export function validEndpointUrl(value: unknown, allowPrivate: boolean): string {
  if (typeof value !== 'string' || value.trim() === '') throw badUserInput('url', 'is required');
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw badUserInput('url', 'is not a URL');
  }
  if (value.length > 2000) throw badUserInput('url', 'is longer than 2000 characters');
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) throw badUserInput('url', 'must be an https URL');
  if (url.username || url.password) throw badUserInput('url', 'must not carry credentials (the signature authenticates deliveries)');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isPrivateAddress(host))))
    throw badUserInput('url', 'must not point at a private, loopback or link-local address');
  url.hash = '';
  return url.toString();
}

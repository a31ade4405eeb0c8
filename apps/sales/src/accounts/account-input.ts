import { badUserInput } from '@rapport/auth';
import { validate } from '@rapport/service-kit';

const DOMAIN = /^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,63}$/;

/** Lower-cases a web domain, dropping scheme and path; BAD_USER_INPUT on `domain` when it is not one. */
export function normaliseDomain(domain: string | null | undefined): string | null {
  const d =
    validate
      .text('domain', domain, { max: 253 })
      ?.toLowerCase()
      .replace(/^https?:\/\//, '')
      .replace(/\/.*$/, '') ?? null;
  if (d && !DOMAIN.test(d)) throw badUserInput('domain', `${JSON.stringify(d)} is not a domain name`);
  return d;
}

/**
 * How the import CLIs reach the gateway: through @rapport/sdk, which keeps a
 * login alive past one access token and waits out rate limits, so a long
 * import slows down instead of failing.
 */
import type { RapportClientOptions } from '@rapport/sdk';

/** --url / RAPPORT_GATEWAY_URL, and RAPPORT_TOKEN unless --tenant, --email and --password are all given. */
export function connectionFromFlags(flags: Record<string, string>, env: NodeJS.ProcessEnv): RapportClientOptions {
  const url = flags.url ?? env.RAPPORT_GATEWAY_URL ?? 'http://localhost:4000/graphql';
  if (flags.tenant && flags.email && flags.password) {
    return { url, login: { tenant: flags.tenant, email: flags.email, password: flags.password } };
  }
  if (!env.RAPPORT_TOKEN) throw new Error('set RAPPORT_TOKEN or pass --tenant, --email and --password');
  return { url, token: env.RAPPORT_TOKEN };
}

import { ConfigError, type EnvField } from './env';

/**
 * The secret the gateway signs each subgraph fetch with (the caller's address
 * and that the fetch is the gateway's), and subgraphs check. Without it a
 * subgraph cannot tell the gateway from a direct caller: every caller behind
 * the gateway would share the gateway's address in the per-IP limits, and
 * `_service` could be served to no one in production.
 */
export const GATEWAY_SECRET: EnvField<string> = {
  parse: (raw) => {
    if (raw.length < 32) throw new Error('must be at least 32 characters (openssl rand -base64 32)');
    return raw;
  },
  default: '',
  secret: true,
  description: 'shared by the gateway and every subgraph: signs what the gateway forwards (required in production)',
};

/** Production refuses to start without the secret rather than quietly limiting every caller as one. */
export function requireGatewaySecretInProduction(config: { NODE_ENV: string; GATEWAY_SECRET: string }): void {
  if (config.NODE_ENV === 'production' && !config.GATEWAY_SECRET) {
    throw new ConfigError([
      'GATEWAY_SECRET is required in production (the same value in the gateway and every subgraph; at least 32 characters)',
    ]);
  }
}

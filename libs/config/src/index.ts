export { ConfigError, env, loadEnv } from './env';
export type { EnvField, EnvOf, EnvSpec } from './env';
export { platformEnv } from './platform-env';
export { queryLimitsEnv } from './query-limits-env';
export { shutdownEnv } from './shutdown-env';
export { GATEWAY_SECRET, requireGatewaySecretInProduction } from './gateway-trust-env';
export { linkRateLimitEnv, rateLimitEnv } from './rate-limit-env';
export {
  DEFAULT_STREAM_MAX_AGE_MS,
  parseDurationMs,
  parseStreamRetention,
  streamMaxAgeMs,
  streamRetentionEnv,
} from './stream-retention-env';
export type { StreamRetentionSetting } from './stream-retention-env';

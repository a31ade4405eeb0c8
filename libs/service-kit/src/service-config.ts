import { env, loadEnv, platformEnv, requireGatewaySecretInProduction, type EnvOf } from '@rapport/config';
import { serviceRoles, type ServiceRoles } from '@rapport/persistence';
import type { ServiceDefinition } from './definition';

export type PlatformConfig = EnvOf<typeof platformEnv> & { PORT: number; dbSchema: string; dbRoles: ServiceRoles };

/** Reads and validates the environment for one service (fails fast, naming bad variables). */
export function loadServiceConfig(def: ServiceDefinition, source: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const spec = {
    ...platformEnv,
    PORT: env.int({ default: def.defaultPort, min: 0, max: 65535, description: 'HTTP port' }),
    ...(def.env ?? {}),
  };
  const parsed = loadEnv(spec, source) as EnvOf<typeof platformEnv> & { PORT: number };
  // A migration run (the k8s Jobs, compose's *-migrate) serves nothing, so it needs no gateway secret.
  if (parsed.RUN_MIGRATIONS !== 'only') requireGatewaySecretInProduction(parsed);
  const suffix = parsed.DB_SCHEMA_SUFFIX;
  // Roles are cluster-wide and not suffixed: a test run's schemas are granted to the same per-service roles (ADR 026).
  return { ...parsed, dbSchema: suffix ? `${def.name}_${suffix}` : def.name, dbRoles: serviceRoles(def.name, parsed) };
}

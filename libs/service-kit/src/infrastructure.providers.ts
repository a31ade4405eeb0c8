import type { Provider } from '@nestjs/common';
import { RevocationFeed, RevocationList, TokenVerifier } from '@rapport/auth';
import {
  connectNats,
  DeadLetter,
  ensureProducedStream,
  eventFlowCounters,
  OutboxRelay,
  PersonalKeys,
  sealPersonal,
  type MessagingNaming,
} from '@rapport/messaging';
import { streamMaxAgeMs } from '@rapport/config';
import { createHealthChecks } from './health-checks';
import { createLogger, createMetrics, HealthRegistry, type Logger, type ServiceMetrics } from '@rapport/observability';
import {
  createServiceDataSource,
  DatabaseRolesError,
  ensureServiceRoles,
  migrate,
  PG_INSUFFICIENT_PRIVILEGE,
  pgErrorCode,
  TenantDatabase,
} from '@rapport/persistence';
import type { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import type { ServiceDefinition } from './definition';
import { ConsumerRegistry } from './consumer-registry';
import { JobQueues } from './job-queues';
import { loadServiceConfig, type PlatformConfig } from './service-config';
import { ServiceDatabase } from './service-database';
import { LOGGER, MESSAGING_NAMING, METRICS, NATS_CONNECTION, SERVICE_CONFIG, SERVICE_DEFINITION } from './tokens';

/**
 * Migrates (unless told not to) as the schema owner, then opens the data
 * source the service runs with, as its runtime role (docs/adr/026-least-privilege-database-roles.md).
 */
export async function openDatabase(def: ServiceDefinition, config: PlatformConfig, logger: Logger): Promise<DataSource> {
  if (config.RUN_MIGRATIONS !== 'false') await migrateAsOwner(def, config, logger);
  const dataSource = createServiceDataSource({
    url: config.DATABASE_URL,
    schema: config.dbSchema,
    entities: def.entities,
    migrations: def.migrations,
    applicationName: `rapport-${def.name}`,
    role: config.dbRoles.runtime,
  });
  await dataSource.initialize();
  return dataSource;
}

/** Runs the migrations and (re)grants the service's roles on its schema, on a connection of its own that is closed after. */
export async function migrateAsOwner(def: ServiceDefinition, config: PlatformConfig, logger: Logger): Promise<void> {
  const owner = createServiceDataSource({
    url: config.DATABASE_OWNER_URL || config.DATABASE_URL,
    schema: config.dbSchema,
    entities: def.entities,
    migrations: def.migrations,
    // One connection holds the migration lock (another replica may be starting too), one migrates.
    poolSize: 2,
    applicationName: `rapport-${def.name}-migrate`,
  });
  await owner.initialize();
  try {
    const grantRoles = () =>
      ensureServiceRoles(owner, config.dbSchema, config.dbRoles, {
        appendOnlyTables: def.appendOnlyTables,
        runtimePassword: runtimeLoginPassword(config),
      });
    const ran = await migrate(owner, grantRoles).catch((error: unknown) => {
      // The usual cause: DATABASE_URL is the runtime login (owns nothing) and no owner URL was given.
      if (pgErrorCode(error) !== PG_INSUFFICIENT_PRIVILEGE) throw error;
      throw new DatabaseRolesError(
        `migrations need the owner of schema "${config.dbSchema}" (${(error as Error).message}): set DATABASE_OWNER_URL ` +
          `to the owner's login, or RUN_MIGRATIONS=false where a migration Job runs them`,
      );
    });
    if (ran.length > 0) logger.info({ migrations: ran, schema: config.dbSchema }, 'migrations ran');
  } finally {
    await owner.destroy();
  }
}

/** The password of DATABASE_URL when it logs in as the runtime role itself: the migration keeps the role's password in step with it. */
function runtimeLoginPassword(config: PlatformConfig): string | undefined {
  const url = new URL(config.DATABASE_URL);
  return decodeURIComponent(url.username) === config.dbRoles.runtime && url.password ? decodeURIComponent(url.password) : undefined;
}

export function infrastructureProviders(def: ServiceDefinition): Provider[] {
  return [
    { provide: SERVICE_DEFINITION, useValue: def },
    { provide: SERVICE_CONFIG, useFactory: () => loadServiceConfig(def) },
    {
      provide: LOGGER,
      inject: [SERVICE_CONFIG],
      useFactory: (config: PlatformConfig) => createLogger(def.name, config.LOG_LEVEL),
    },
    { provide: METRICS, useFactory: () => createMetrics(def.name) },
    HealthRegistry,
    ConsumerRegistry,
    JobQueues,
    {
      provide: MESSAGING_NAMING,
      inject: [SERVICE_CONFIG],
      useFactory: (config: PlatformConfig): MessagingNaming => ({
        subjectPrefix: config.NATS_SUBJECT_PREFIX,
        streamSuffix: config.NATS_STREAM_SUFFIX,
      }),
    },
    {
      provide: DataSource,
      inject: [SERVICE_CONFIG, LOGGER],
      useFactory: (config: PlatformConfig, logger: Logger) => openDatabase(def, config, logger),
    },
    {
      provide: TenantDatabase,
      inject: [DataSource, SERVICE_CONFIG],
      useFactory: (ds: DataSource, config: PlatformConfig) => new TenantDatabase(ds, config.dbRoles.tenant),
    },
    {
      provide: NATS_CONNECTION,
      inject: [SERVICE_CONFIG, MESSAGING_NAMING],
      useFactory: async (config: PlatformConfig, naming: MessagingNaming): Promise<NatsConnection> => {
        const nc = await connectNats(config.NATS_URL, `rapport-${def.name}`);
        // The producer owns its streams' retention: applied at every start, so a changed NATS_STREAM_MAX_AGE takes effect (ADR 053).
        for (const stream of def.producesStreams) {
          await ensureProducedStream(nc, naming, stream, { maxAgeMs: streamMaxAgeMs(config.NATS_STREAM_MAX_AGE, stream.name) });
        }
        return nc;
      },
    },
    {
      provide: PersonalKeys,
      inject: [NATS_CONNECTION, MESSAGING_NAMING, LOGGER],
      // Keys cached per process, evicted by a watch on the bucket (ADR 076); a failed watch only costs speed.
      useFactory: (nc: NatsConnection, naming: MessagingNaming, logger: Logger) =>
        new PersonalKeys(nc, naming, {
          onWatchError: (err) => logger.warn({ err }, 'data-key watch failed; keys are read from NATS until it restarts'),
        }),
    },
    {
      provide: OutboxRelay,
      inject: [DataSource, NATS_CONNECTION, MESSAGING_NAMING, LOGGER, PersonalKeys, METRICS],
      // Personal fields leave the service only sealed with the person's key (ADR 034), resynced events too (ADR 053).
      useFactory: (
        ds: DataSource,
        nc: NatsConnection,
        naming: MessagingNaming,
        logger: Logger,
        keys: PersonalKeys,
        metrics: ServiceMetrics,
      ) =>
        new OutboxRelay(ds, nc, naming, logger, {
          beforePublish: (envelope) => sealPersonal(envelope, keys),
          counters: eventFlowCounters(metrics.registry),
          expanders: def.outboxExpanders,
        }),
    },
    {
      provide: DeadLetter,
      inject: [NATS_CONNECTION, MESSAGING_NAMING, LOGGER, METRICS],
      useFactory: (nc: NatsConnection, naming: MessagingNaming, logger: Logger, metrics: ServiceMetrics) =>
        new DeadLetter(nc, naming, def.name, logger, metrics.registry),
    },
    {
      provide: ServiceDatabase,
      inject: [TenantDatabase, OutboxRelay],
      useFactory: (tdb: TenantDatabase, relay: OutboxRelay) => new ServiceDatabase(tdb, relay),
    },
    // Filled from identity's stream by the feed, consulted by the TokenVerifier (docs/adr/013-revocation.md).
    { provide: RevocationList, useFactory: () => new RevocationList() },
    {
      provide: RevocationFeed,
      inject: [NATS_CONNECTION, MESSAGING_NAMING, RevocationList, LOGGER],
      useFactory: (nc: NatsConnection, naming: MessagingNaming, list: RevocationList, logger: Logger) =>
        new RevocationFeed(nc, naming, list, logger),
    },
    ...(providesTokenVerifier(def)
      ? []
      : [
          {
            provide: TokenVerifier,
            inject: [SERVICE_CONFIG, RevocationList],
            useFactory: (config: PlatformConfig, revocations: RevocationList) =>
              TokenVerifier.remote(config.IDENTITY_JWKS_URL, revocations),
          },
        ]),
    {
      provide: 'HEALTH_CHECKS',
      inject: [HealthRegistry, DataSource, NATS_CONNECTION, RevocationFeed],
      useFactory: createHealthChecks,
    },
  ];
}

/** Identity verifies tokens with its own keys rather than fetching its own JWKS. */
function providesTokenVerifier(def: ServiceDefinition): boolean {
  return (def.globalProviders ?? []).some((p) => typeof p === 'object' && 'provide' in p && p.provide === TokenVerifier);
}

import { STREAMS } from '@rapport/contracts';
import { loadEnv, platformEnv } from '@rapport/config';
import { connectNats, ensureStream, OutboxRelay, type MessagingNaming } from '@rapport/messaging';
import { createLogger } from '@rapport/observability';
import { createServiceDataSource, serviceRoles, TenantDatabase } from '@rapport/persistence';
import { ServiceDatabase } from '@rapport/service-kit';
import type { NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';
import { identityDefinition } from '../identity.definition';
import { UsersService } from '../users/users.service';
import { TenantProvisioning } from './tenant-provisioning.service';

/** What the operators' CLI needs of identity's environment: its database and its stream, nothing that serves. */
const tenantAdminEnv = {
  LOG_LEVEL: platformEnv.LOG_LEVEL,
  DATABASE_URL: platformEnv.DATABASE_URL,
  DB_SCHEMA_SUFFIX: platformEnv.DB_SCHEMA_SUFFIX,
  DB_ROLE: platformEnv.DB_ROLE,
  DB_APP_ROLE: platformEnv.DB_APP_ROLE,
  NATS_URL: platformEnv.NATS_URL,
  NATS_SUBJECT_PREFIX: platformEnv.NATS_SUBJECT_PREFIX,
  NATS_STREAM_SUFFIX: platformEnv.NATS_STREAM_SUFFIX,
};

export class TenantAdminSetupError extends Error {}

export interface TenantAdmin {
  provisioning: TenantProvisioning;
  /** Publishes what the commands wrote to identity's outbox, then disconnects; returns how many events left. */
  close(): Promise<number>;
}

/**
 * Identity's own tenant code (TenantProvisioning, UsersService, the outbox)
 * outside the identity process, for `npm run tenant` in a container or a k8s
 * Job. It migrates nothing: identity's schema must be migrated already (by
 * identity or its migration Job), so an old CLI never races a new service.
 * Events are published by draining the outbox before exit; a running
 * identity's relay would publish them too (the stream drops duplicates).
 */
export async function openTenantAdmin(source: NodeJS.ProcessEnv = process.env): Promise<TenantAdmin> {
  const config = loadEnv(tenantAdminEnv, source);
  const schema = config.DB_SCHEMA_SUFFIX ? `identity_${config.DB_SCHEMA_SUFFIX}` : 'identity';
  const logger = createLogger('tenant-cli', config.LOG_LEVEL);
  // Identity's own roles: the CLI does what identity does, with no more rights than identity has.
  const roles = serviceRoles(identityDefinition.name, config);
  const dataSource = createServiceDataSource({
    url: config.DATABASE_URL,
    schema,
    entities: identityDefinition.entities,
    migrations: identityDefinition.migrations,
    poolSize: 2,
    applicationName: 'rapport-tenant-cli',
    role: roles.runtime,
  });
  try {
    await dataSource.initialize();
  } catch (err) {
    throw new TenantAdminSetupError(
      `cannot connect to PostgreSQL (DATABASE_URL ${redact(config.DATABASE_URL)}): ${(err as Error).message}`,
    );
  }
  let nc: NatsConnection | null = null;
  try {
    await requireMigrated(dataSource, schema);
    // Its error names the address tried (without credentials).
    nc = await connectNats(config.NATS_URL, 'rapport-tenant-cli');
    const naming: MessagingNaming = { subjectPrefix: config.NATS_SUBJECT_PREFIX, streamSuffix: config.NATS_STREAM_SUFFIX };
    await ensureStream(nc, naming, STREAMS.IDENTITY);
    const relay = new OutboxRelay(dataSource, nc, naming, logger);
    const db = new ServiceDatabase(new TenantDatabase(dataSource, roles.tenant), relay);
    const provisioning = new TenantProvisioning(db, new UsersService(db));
    const connection = nc;
    return {
      provisioning,
      async close() {
        try {
          return await relay.drain();
        } catch (err) {
          // The change is committed with its events; only their publishing failed.
          throw new TenantAdminSetupError(
            `the change is saved, but publishing its events failed (${(err as Error).message}); ` +
              `they stay in identity's outbox, and a running identity (or the next run of this command) publishes them`,
          );
        } finally {
          await connection.drain();
          await dataSource.destroy();
        }
      },
    };
  } catch (err) {
    if (nc) await nc.close();
    await dataSource.destroy();
    throw err;
  }
}

async function requireMigrated(dataSource: DataSource, schema: string): Promise<void> {
  const [row]: { ok: boolean }[] = await dataSource.query(`SELECT to_regclass($1) IS NOT NULL AS ok`, [`"${schema}".migrations`]);
  const pending = row?.ok ? await dataSource.showMigrations() : true;
  if (pending) {
    throw new TenantAdminSetupError(
      `identity's schema "${schema}" is not migrated to this version: start identity, or run its migrations (RUN_MIGRATIONS=only), first`,
    );
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

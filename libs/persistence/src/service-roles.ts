import type { DataSource } from 'typeorm';
import { quoteIdent } from './data-source';
import { scramSha256Verifier } from './scram-verifier';

/**
 * The two database roles a service runs as (docs/adr/026-least-privilege-database-roles.md):
 * `runtime` logs in (or is switched to at connect), owns nothing, may read and
 * write only its service's schema, and bypasses row-level security for the
 * cross-tenant infrastructure (outbox relay, sign-in lookups, timers);
 * `tenant` is what tenant transactions SET LOCAL ROLE to, so RLS applies.
 */
export interface ServiceRoles {
  runtime: string;
  tenant: string;
}

/** The roles of a service: `rapport_<service>` and `rapport_<service>_tenant` unless DB_ROLE / DB_APP_ROLE name others. */
export function serviceRoles(service: string, configured: { DB_ROLE?: string; DB_APP_ROLE?: string } = {}): ServiceRoles {
  const runtime = configured.DB_ROLE || `rapport_${service}`;
  return { runtime, tenant: configured.DB_APP_ROLE || `${runtime}_tenant` };
}

export interface ServiceRoleOptions {
  /**
   * Tables the roles may read and insert into but never update or delete
   * (e.g. an audit log): every other table gets full DML at each run, so the
   * exception has to be known here, not revoked once in a migration.
   */
  appendOnlyTables?: readonly string[];
  /** Set as the runtime role's password when the connecting (owner) user may manage roles: production logins without a DBA step. */
  runtimePassword?: string;
}

/** A role setup the connecting user cannot do itself; the message holds the SQL a superuser runs once. */
export class DatabaseRolesError extends Error {
  readonly code = 'DATABASE_ROLES';
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseRolesError';
  }
}

interface RoleRow {
  rolname: string;
  rolbypassrls: boolean;
  rolsuper: boolean;
}

/**
 * Runs as the schema owner after the migrations, at every migration run, so
 * new tables are covered; idempotent. Creates the roles when the owner may
 * (a superuser in development; elsewhere a DBA creates them once, see
 * k8s/README.md), then grants USAGE on this schema and DML on its tables and
 * sequences — nothing on any other schema, which is the point.
 */
export async function ensureServiceRoles(
  dataSource: DataSource,
  schema: string,
  roles: ServiceRoles,
  options: ServiceRoleOptions = {},
): Promise<void> {
  const [me]: { name: string; manages: boolean }[] = await dataSource.query(
    `SELECT current_user AS name, rolsuper OR rolcreaterole AS manages FROM pg_roles WHERE rolname = current_user`,
  );
  if (me.name === roles.runtime || me.name === roles.tenant) {
    throw new DatabaseRolesError(
      `migrations run as "${me.name}", which is also a service role: the owner bypasses row-level security and grants; ` +
        `set DATABASE_OWNER_URL to a separate owner login`,
    );
  }
  await createRoles(dataSource, roles, me.manages, options.runtimePassword);
  await grantSchema(dataSource, schema, roles, options.appendOnlyTables ?? []);
}

async function createRoles(dataSource: DataSource, roles: ServiceRoles, manages: boolean, password: string | undefined): Promise<void> {
  const rt = quoteIdent(roles.runtime);
  const tn = quoteIdent(roles.tenant);
  const setup = `CREATE ROLE ${rt} LOGIN NOINHERIT BYPASSRLS PASSWORD '…'; CREATE ROLE ${tn} NOLOGIN NOINHERIT; GRANT ${tn} TO ${rt};`;
  const refuse = (what: string, error?: unknown) =>
    new DatabaseRolesError(
      `${what}, and the migration's database user may not fix it; as a superuser, once: ${setup}` + (error ? ` (${String(error)})` : ''),
    );
  if (manages) {
    for (const [role, attributes] of [
      [roles.runtime, 'LOGIN NOINHERIT BYPASSRLS'],
      [roles.tenant, 'NOLOGIN NOINHERIT'],
    ]) {
      await dataSource.query(`DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(role)}) THEN CREATE ROLE ${quoteIdent(role)} ${attributes}; END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- another service or test run created it concurrently
        END $$`);
    }
  }
  const found: RoleRow[] = await dataSource.query(`SELECT rolname, rolbypassrls, rolsuper FROM pg_roles WHERE rolname = ANY($1)`, [
    [roles.runtime, roles.tenant],
  ]);
  const runtime = found.find((r) => r.rolname === roles.runtime);
  const tenant = found.find((r) => r.rolname === roles.tenant);
  if (!runtime || !tenant) throw refuse(`the roles "${roles.runtime}" and "${roles.tenant}" do not both exist`);
  if (tenant.rolbypassrls || tenant.rolsuper || runtime.rolsuper) {
    throw new DatabaseRolesError(
      `"${roles.tenant}" bypasses row-level security, or a service role is a superuser: tenants would not be isolated`,
    );
  }
  // Without BYPASSRLS the outbox relay, sign-in lookups and timers would silently see no rows; a role made by hand may lack it.
  if (!runtime.rolbypassrls) {
    await dataSource.query(`ALTER ROLE ${rt} BYPASSRLS`).catch((error: unknown) => {
      throw refuse(`"${roles.runtime}" lacks BYPASSRLS`, error);
    });
  }
  if (password && manages) {
    await dataSource.query(`ALTER ROLE ${rt} LOGIN PASSWORD ${literal(scramSha256Verifier(password))}`).catch((error: unknown) => {
      throw refuse(`the password of "${roles.runtime}" cannot be set`, error);
    });
  }
  const [{ member }]: { member: boolean }[] = await dataSource.query(`SELECT pg_has_role($1, $2, 'MEMBER') AS member`, [
    roles.runtime,
    roles.tenant,
  ]);
  if (!member) {
    await dataSource.query(`GRANT ${tn} TO ${rt}`).catch((error: unknown) => {
      throw refuse(`"${roles.runtime}" is not a member of "${roles.tenant}" (it must be, to SET ROLE to it)`, error);
    });
  }
}

async function grantSchema(dataSource: DataSource, schema: string, roles: ServiceRoles, appendOnly: readonly string[]): Promise<void> {
  const s = quoteIdent(schema);
  const both = `${quoteIdent(roles.runtime)}, ${quoteIdent(roles.tenant)}`;
  // One transaction: an append-only table is never, even for a moment, updatable between the GRANT and its REVOKE.
  await dataSource.transaction(async (em) => {
    await em.query(`GRANT USAGE ON SCHEMA ${s} TO ${both}`);
    await em.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${both}`);
    await em.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${both}`);
    for (const table of appendOnly) await em.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${s}.${quoteIdent(table)} FROM ${both}`);
    // Before ADR 026 one NOLOGIN role shared by every service had grants on every schema: take this schema's back.
    await em.query(`DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rapport_app') AND 'rapport_app' NOT IN (${literal(roles.runtime)}, ${literal(roles.tenant)}) THEN
          REVOKE ALL ON ALL TABLES IN SCHEMA ${s} FROM rapport_app;
          REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${s} FROM rapport_app;
          REVOKE ALL ON SCHEMA ${s} FROM rapport_app;
        END IF;
      END $$`);
  });
}

/** A SQL string literal (standard_conforming_strings is on since Postgres 9.1): role statements take no bind parameters. */
function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

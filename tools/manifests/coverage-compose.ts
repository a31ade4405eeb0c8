// Every app runs the same way in docker/compose.yml: a service on the app's
// PORT and, for a subgraph, an `<app>-migrate` one-shot it waits for, the
// gateway's SUBGRAPH_<APP>_URL and dependency, and a database and role that
// postgres/init.sql creates; and every variable set is one the app reads.
import { AppSpec, GATEWAY, subgraphUrl } from './catalogue';
import { Problem, problem } from './problems';
import { asRecord, asString, at, Obj } from './values';
import { YamlDoc } from './yaml-docs';
import { subgraphUrlVariable } from '../../apps/gateway/src/subgraphs';

function service(doc: YamlDoc, name: string): Obj | undefined {
  return asRecord(at(doc.value, 'services', name));
}

/** `environment:` as a map, from either the map or the `["NAME=value"]` form. */
export function composeEnvironment(svc: Obj | undefined): Record<string, string> {
  const env = svc?.environment;
  if (Array.isArray(env))
    return Object.fromEntries(env.map(String).map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(asRecord(env) ?? {}).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

function dependsOn(svc: Obj | undefined, name: string): string | undefined {
  const deps = svc?.depends_on;
  if (Array.isArray(deps)) return deps.map(String).includes(name) ? 'service_started' : undefined;
  const dep = asRecord(deps)?.[name];
  return dep === undefined ? undefined : (asString(at(dep, 'condition')) ?? 'service_started');
}

function appOf(svc: Obj | undefined): string | undefined {
  const args = at(svc, 'build', 'args');
  if (Array.isArray(args))
    return args
      .map(String)
      .find((a) => a.startsWith('APP='))
      ?.slice(4);
  return asString(asRecord(args)?.APP);
}

function checkSubgraph(doc: YamlDoc, spec: AppSpec, app: Obj): Problem[] {
  const found: Problem[] = [];
  const report = (object: string, message: string) => found.push(problem(doc.file, object, message));
  const migrateName = `${spec.name}-migrate`;
  const migrate = service(doc, migrateName);
  if (!migrate) report(`service ${spec.name}`, `has no ${migrateName} one-shot`);
  else {
    if (composeEnvironment(migrate).RUN_MIGRATIONS !== 'only') report(`service ${migrateName}`, 'does not set RUN_MIGRATIONS: only');
    if (migrate.image !== app.image || appOf(migrate) !== spec.name)
      report(`service ${migrateName}`, `does not run the image of service ${spec.name} (APP=${spec.name})`);
    if (dependsOn(app, migrateName) !== 'service_completed_successfully')
      report(`service ${spec.name}`, `does not wait for ${migrateName} (condition: service_completed_successfully)`);
  }
  if (composeEnvironment(app).RUN_MIGRATIONS !== 'false') report(`service ${spec.name}`, "does not set RUN_MIGRATIONS: 'false'");
  const gateway = service(doc, GATEWAY);
  const variable = subgraphUrlVariable(spec.name);
  const expected = subgraphUrl(spec.name, spec);
  const actual = composeEnvironment(gateway)[variable];
  if (actual !== expected) report(`service ${GATEWAY}`, `sets ${variable} to ${actual ?? '(nothing)'}, not ${expected}`);
  if (dependsOn(gateway, spec.name) !== 'service_healthy')
    report(`service ${GATEWAY}`, `does not wait for ${spec.name} (condition: service_healthy)`);
  return found;
}

/** Every catalogued app has a compose service like the others. */
export function checkComposeApps(doc: YamlDoc, specs: AppSpec[]): Problem[] {
  return specs.flatMap((spec) => {
    const app = service(doc, spec.name);
    if (!app) return [problem(doc.file, spec.name, `no service named ${spec.name}`)];
    const found: Problem[] = [];
    if (appOf(app) !== spec.name) found.push(problem(doc.file, `service ${spec.name}`, `does not build APP=${spec.name}`));
    if (composeEnvironment(app).PORT !== String(spec.port))
      found.push(problem(doc.file, `service ${spec.name}`, `does not set PORT: '${spec.port}'`));
    return spec.role === 'subgraph' ? [...found, ...checkSubgraph(doc, spec, app)] : found;
  });
}

/** Services that build an app set only variables that app reads. */
export function checkComposeEnvVariables(doc: YamlDoc, specs: AppSpec[]): Problem[] {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  return Object.entries(asRecord(at(doc.value, 'services')) ?? {}).flatMap(([name, svc]) => {
    const spec = byName.get(appOf(asRecord(svc)) ?? '');
    if (!spec) return [];
    return Object.keys(composeEnvironment(asRecord(svc)))
      .filter((variable) => !spec.variables.has(variable))
      .map((variable) => problem(doc.file, `service ${name}`, `sets ${variable}, which apps/${spec.name} does not read`));
  });
}

export interface InitSql {
  /** Login roles and their passwords. */
  logins: Map<string, string>;
  /** Database → owner. */
  databases: Map<string, string>;
  /** `role member` pairs granted. */
  grants: Set<string>;
}

/** The statements of postgres/init.sql that matter here (one per line, as that file writes them). */
export function parseInitSql(sql: string): InitSql {
  const text = sql.replace(/--.*$/gm, '');
  const init: InitSql = { logins: new Map(), databases: new Map(), grants: new Set() };
  for (const m of text.matchAll(/CREATE ROLE (\w+) LOGIN PASSWORD '([^']*)'/gi)) init.logins.set(m[1], m[2]);
  for (const m of text.matchAll(/CREATE DATABASE (\w+) OWNER (\w+)/gi)) init.databases.set(m[1], m[2]);
  for (const m of text.matchAll(/GRANT (\w+) TO (\w+)/gi)) init.grants.add(`${m[1]} ${m[2]}`);
  return init;
}

/**
 * Each subgraph runs as a login init.sql creates that owns nothing and is
 * granted its tenant role (`<login>_tenant`); only its migrate one-shot logs
 * in as the owner of the database (DATABASE_OWNER_URL; docs/adr/026-least-privilege-database-roles.md).
 */
export function checkComposeDatabases(doc: YamlDoc, specs: AppSpec[], init: InitSql): Problem[] {
  return specs
    .filter((spec) => spec.role === 'subgraph')
    .flatMap((spec) => {
      const report = (message: string) => [problem(doc.file, `service ${spec.name}`, message)];
      const runtime = login(composeEnvironment(service(doc, spec.name)).DATABASE_URL);
      const owner = login(composeEnvironment(service(doc, `${spec.name}-migrate`)).DATABASE_OWNER_URL);
      if (!runtime) return report('sets no DATABASE_URL');
      if (!owner) return report(`its ${spec.name}-migrate one-shot sets no DATABASE_OWNER_URL`);
      for (const [variable, l] of [
        ['DATABASE_URL', runtime],
        ['DATABASE_OWNER_URL', owner],
      ] as const) {
        if (init.logins.get(l.user) !== l.password)
          return report(`${variable} logs in as ${l.user}, which init.sql does not create with that password`);
      }
      if (init.databases.get(owner.database) !== owner.user)
        return report(`DATABASE_OWNER_URL names database ${owner.database}, which init.sql does not create owned by ${owner.user}`);
      if (runtime.database !== owner.database)
        return report(`DATABASE_URL names database ${runtime.database}, its migrations ${owner.database}`);
      if (runtime.user === owner.user)
        return report(`DATABASE_URL logs in as ${runtime.user}, the owner: the service must run as a role that owns nothing`);
      const tenantRole = `${runtime.user}_tenant`;
      if (!init.grants.has(`${tenantRole} ${runtime.user}`))
        return report(`init.sql does not GRANT ${tenantRole} TO ${runtime.user} (tenant transactions SET ROLE to it)`);
      return [];
    });
}

function login(raw: string | undefined): { user: string; password: string; database: string } | undefined {
  if (!raw) return undefined;
  const url = new URL(raw);
  return { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1) };
}

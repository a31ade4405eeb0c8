// docker/compose.yml: builds only existing apps, from files that exist.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Problem, problem } from './problems';
import { asArray, asRecord, asString, at, Obj } from './values';
import { YamlDoc } from './yaml-docs';

/** `args: { APP: x }` or `args: ["APP=x"]`. */
function buildArg(build: unknown, name: string): string | undefined {
  const args = at(build, 'args');
  if (Array.isArray(args)) {
    const entry = args.map(asString).find((a) => a?.startsWith(`${name}=`));
    return entry?.slice(name.length + 1);
  }
  const value = asRecord(args)?.[name];
  return value === undefined || value === null ? undefined : String(value);
}

function services(doc: YamlDoc): Array<[string, Obj]> {
  return Object.entries(asRecord(at(doc.value, 'services')) ?? {}).map(([name, s]) => [name, asRecord(s) ?? {}]);
}

export function checkComposeBuilds(root: string, doc: YamlDoc, apps: Set<string>): Problem[] {
  return services(doc).flatMap(([name, service]) => {
    if (service.build === undefined) return [];
    const where = [doc.file, `service ${name}`] as const;
    const context = join(root, dirname(doc.file), asString(service.build) ?? asString(at(service.build, 'context')) ?? '.');
    const dockerfile = join(context, asString(at(service.build, 'dockerfile')) ?? 'Dockerfile');
    const app = buildArg(service.build, 'APP');
    const found: Problem[] = [];
    if (!existsSync(dockerfile)) found.push(problem(...where, `Dockerfile ${dockerfile} does not exist`));
    if (app === undefined) found.push(problem(...where, 'builds without an APP build arg'));
    else if (!apps.has(app)) found.push(problem(...where, `builds APP "${app}", which has no apps/${app}/src/main.ts`));
    return found;
  });
}

/** Only the listed services publish host ports. */
export function checkComposePorts(doc: YamlDoc, allowed: string[]): Problem[] {
  return services(doc)
    .filter(([name, service]) => asArray(service.ports).length > 0 && !allowed.includes(name))
    .map(([name]) => problem(doc.file, `service ${name}`, `publishes a host port; only ${allowed.join(', ')} may`));
}

/** depends_on names services that exist. */
export function checkComposeDependsOn(doc: YamlDoc): Problem[] {
  const names = new Set(services(doc).map(([name]) => name));
  return services(doc).flatMap(([name, service]) => {
    const deps = Array.isArray(service.depends_on) ? service.depends_on.map(String) : Object.keys(asRecord(service.depends_on) ?? {});
    return deps.filter((dep) => !names.has(dep)).map((dep) => problem(doc.file, `service ${name}`, `depends_on unknown service "${dep}"`));
  });
}

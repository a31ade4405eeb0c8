// Every app is deployed the same way in k8s/: a Deployment and a Service on
// the app's port, a migration Job for a subgraph, the gateway's
// SUBGRAPH_<APP>_URL, a NetworkPolicy that lets the gateway in, a tag in each
// overlay; and every variable set for an app is one it reads.
import { parseRapportImage } from './apps';
import { AppSpec, GATEWAY, subgraphUrl } from './catalogue';
import { isKustomization } from './kustomize';
import { Problem, problem } from './problems';
import { asArray, asRecord, asString, at, Obj, stringMap } from './values';
import { allContainers, Workload, workloads } from './workloads';
import { YamlDoc, describeDoc, kindOf, nameOf } from './yaml-docs';
import { subgraphUrlVariable } from '../../apps/gateway/src/subgraphs';

const NAME = 'app.kubernetes.io/name';
const COMPONENT = 'app.kubernetes.io/component';

/** The workload's container that runs the app's image. */
function appContainer(w: Workload, app: string): Obj | undefined {
  return allContainers(w).find((c) => parseRapportImage(asString(c.image) ?? '')?.app === app);
}

function findWorkload(docs: YamlDoc[], kind: 'Deployment' | 'Job', app: string, component: string): Workload | undefined {
  return workloads(docs).find((w) => w.kind === kind && w.podLabels[NAME] === app && w.podLabels[COMPONENT] === component);
}

function envEntry(container: Obj | undefined, name: string): Obj | undefined {
  return asArray(container?.env)
    .map((e) => asRecord(e) ?? {})
    .find((e) => e.name === name);
}

function envValue(container: Obj | undefined, name: string): string | undefined {
  return asString(envEntry(container, name)?.value);
}

function secretKeyOf(container: Obj | undefined, name: string): string | undefined {
  return asString(at(envEntry(container, name), 'valueFrom', 'secretKeyRef', 'key'));
}

/** matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist), as the API server evaluates them. */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (asRecord(selector) === undefined) return false;
  const matchLabels = stringMap(at(selector, 'matchLabels'));
  if (!Object.entries(matchLabels).every(([key, value]) => labels[key] === value)) return false;
  return asArray(at(selector, 'matchExpressions')).every((expression) => {
    const key = asString(at(expression, 'key')) ?? '';
    const values = asArray(at(expression, 'values')).map(String);
    const has = key in labels;
    switch (at(expression, 'operator')) {
      case 'In':
        return has && values.includes(labels[key]);
      case 'NotIn':
        return !has || !values.includes(labels[key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

/** Some NetworkPolicy admits pods labelled `fromLabels` (same namespace) to pods labelled `toLabels` on `port`. */
function admits(docs: YamlDoc[], fromLabels: Record<string, string>, toLabels: Record<string, string>, port: number): boolean {
  return docs
    .filter((doc) => kindOf(doc) === 'NetworkPolicy' && asArray(at(doc.value, 'spec', 'policyTypes')).includes('Ingress'))
    .filter((doc) => selectorMatches(at(doc.value, 'spec', 'podSelector'), toLabels))
    .some((doc) =>
      asArray(at(doc.value, 'spec', 'ingress')).some((rule) => {
        const from = asArray(at(rule, 'from'));
        const fromOk =
          from.length === 0 ||
          from.some((peer) => at(peer, 'namespaceSelector') === undefined && selectorMatches(at(peer, 'podSelector'), fromLabels));
        const ports = asArray(at(rule, 'ports'));
        const portOk = ports.length === 0 || ports.some((p) => at(p, 'port') === 'http' || at(p, 'port') === port);
        return fromOk && portOk;
      }),
    );
}

function checkServerAndService(docs: YamlDoc[], spec: AppSpec): { found: Problem[]; server?: Workload } {
  const found: Problem[] = [];
  const server = findWorkload(docs, 'Deployment', spec.name, 'server');
  if (!server) return { found: [problem('k8s', spec.name, `no Deployment runs pods labelled ${NAME}=${spec.name}, ${COMPONENT}=server`)] };
  const where = [server.doc.file, describeDoc(server.doc)] as const;
  const container = appContainer(server, spec.name);
  const ports = asArray(container?.ports);
  if (!ports.some((p) => at(p, 'name') === 'http' && at(p, 'containerPort') === spec.port))
    found.push(problem(...where, `has no container port named http on ${spec.port}`));
  if (envValue(container, 'PORT') !== String(spec.port)) found.push(problem(...where, `does not set PORT to '${spec.port}'`));
  const service = docs.find((doc) => kindOf(doc) === 'Service' && nameOf(doc) === spec.name);
  if (!service) found.push(problem('k8s', spec.name, `no Service named ${spec.name} (the name other pods reach it by)`));
  else {
    const selector = stringMap(at(service.value, 'spec', 'selector'));
    const selects = Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => server.podLabels[key] === value);
    if (!selects) found.push(problem(service.file, describeDoc(service), `does not select the pods of ${describeDoc(server.doc)}`));
    if (!asArray(at(service.value, 'spec', 'ports')).some((p) => at(p, 'port') === spec.port))
      found.push(problem(service.file, describeDoc(service), `does not serve port ${spec.port}`));
  }
  return { found, server };
}

function checkSubgraph(docs: YamlDoc[], spec: AppSpec, server: Workload | undefined, gateway: Workload | undefined): Problem[] {
  const found: Problem[] = [];
  const job = findWorkload(docs, 'Job', spec.name, 'migration');
  const serverKey = server && secretKeyOf(appContainer(server, spec.name), 'DATABASE_URL');
  if (!job) found.push(problem('k8s', spec.name, `no migration Job (pods labelled ${NAME}=${spec.name}, ${COMPONENT}=migration)`));
  else {
    const container = appContainer(job, spec.name);
    const where = [job.doc.file, describeDoc(job.doc)] as const;
    if (envValue(container, 'RUN_MIGRATIONS') !== 'only') found.push(problem(...where, 'does not set RUN_MIGRATIONS=only'));
    const jobKey = secretKeyOf(container, 'DATABASE_URL');
    if (!jobKey || jobKey !== serverKey)
      found.push(problem(...where, `DATABASE_URL comes from Secret key ${jobKey ?? '(none)'}, the app's from ${serverKey ?? '(none)'}`));
    // Migrations run as the schema's owner, the app as a role that owns nothing (docs/adr/026-least-privilege-database-roles.md).
    const ownerKey = secretKeyOf(container, 'DATABASE_OWNER_URL');
    if (!ownerKey || ownerKey === serverKey)
      found.push(problem(...where, `DATABASE_OWNER_URL comes from Secret key ${ownerKey ?? '(none)'}, not one of the owner's own`));
  }
  if (server && secretKeyOf(appContainer(server, spec.name), 'DATABASE_OWNER_URL'))
    found.push(problem(server.doc.file, describeDoc(server.doc), 'reads DATABASE_OWNER_URL: only the migration Job logs in as the owner'));
  if (gateway) {
    const variable = subgraphUrlVariable(spec.name);
    const expected = subgraphUrl(spec.name, spec);
    const actual = envValue(appContainer(gateway, GATEWAY), variable);
    if (actual !== expected)
      found.push(problem(gateway.doc.file, describeDoc(gateway.doc), `sets ${variable} to ${actual ?? '(nothing)'}, not ${expected}`));
    if (server && !admits(docs, gateway.podLabels, server.podLabels, spec.port))
      found.push(problem('k8s', spec.name, `no NetworkPolicy lets the gateway's pods reach ${spec.name} on its http port`));
  }
  return found;
}

/** Every catalogued app deployed like the others. `docs`: the base's sources or a rendered overlay. */
export function checkAppsDeployed(docs: YamlDoc[], specs: AppSpec[]): Problem[] {
  const gateway = findWorkload(docs, 'Deployment', GATEWAY, 'server');
  return specs.flatMap((spec) => {
    const { found, server } = checkServerAndService(docs, spec);
    return spec.role === 'subgraph' ? [...found, ...checkSubgraph(docs, spec, server, gateway)] : found;
  });
}

/** Each overlay's `images:` tags every app (a missing one runs the image's `latest`). */
export function checkOverlayImages(docs: YamlDoc[], specs: AppSpec[]): Problem[] {
  return docs
    .filter((doc) => isKustomization(doc) && doc.file.startsWith('k8s/overlays/'))
    .flatMap((doc) => {
      const named = new Set(asArray(at(doc.value, 'images')).map((entry) => parseRapportImage(asString(at(entry, 'name')) ?? '')?.app));
      return specs
        .filter((spec) => !named.has(spec.name))
        .map((spec) => problem(doc.file, 'Kustomization', `images: does not set the tag of ghcr.io/rapport-crm/${spec.name}`));
    });
}

/** ConfigMap name → keys, from ConfigMap objects (rendered) or configMapGenerator literals (sources, all overlays merged). */
function configMapKeys(docs: YamlDoc[]): Map<string, Set<string>> {
  const keys = new Map<string, Set<string>>();
  const add = (name: string | undefined, key: string) => {
    if (name === undefined) return;
    if (!keys.has(name)) keys.set(name, new Set());
    keys.get(name)?.add(key);
  };
  for (const doc of docs) {
    if (kindOf(doc) === 'ConfigMap') Object.keys(asRecord(at(doc.value, 'data')) ?? {}).forEach((key) => add(nameOf(doc), key));
    if (isKustomization(doc))
      for (const generator of asArray(at(doc.value, 'configMapGenerator')))
        for (const literal of asArray(at(generator, 'literals')))
          add(asString(at(generator, 'name')), (asString(literal) ?? '').split('=')[0]);
  }
  return keys;
}

/**
 * Variables set on an app's container are ones the app reads; each key of a
 * ConfigMap loaded with envFrom is read by at least one app that loads it
 * (a shared map reaches every app, so one reader is enough).
 */
export function checkEnvVariables(docs: YamlDoc[], specs: AppSpec[]): Problem[] {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const readersOf = new Map<string, AppSpec[]>();
  const found = workloads(docs).flatMap((w) =>
    allContainers(w).flatMap((c) => {
      const spec = byName.get(parseRapportImage(asString(c.image) ?? '')?.app ?? '');
      if (!spec) return [];
      for (const ref of asArray(c.envFrom).map((e) => asString(at(e, 'configMapRef', 'name')))) {
        if (ref !== undefined) readersOf.set(ref, [...(readersOf.get(ref) ?? []), spec]);
      }
      return asArray(c.env)
        .map((e) => asString(at(e, 'name')) ?? '')
        .filter((name) => !spec.variables.has(name))
        .map((name) =>
          problem(w.doc.file, describeDoc(w.doc), `container ${asString(c.name)} sets ${name}, which apps/${spec.name} does not read`),
        );
    }),
  );
  for (const [name, keys] of configMapKeys(docs)) {
    const readers = readersOf.get(name) ?? [];
    if (readers.length === 0) continue;
    for (const key of keys)
      if (!readers.some((spec) => spec.variables.has(key)))
        found.push(problem('k8s', `ConfigMap ${name}`, `key ${key} is read by none of the apps that load it`));
  }
  return found;
}

/** Required (not `optional: true`) configMapKeyRef keys exist. Rendered output only: sources have generators, not ConfigMaps. */
export function checkConfigMapKeyRefs(docs: YamlDoc[]): Problem[] {
  const keys = configMapKeys(docs.filter((doc) => kindOf(doc) === 'ConfigMap'));
  return workloads(docs).flatMap((w) =>
    allContainers(w).flatMap((c) =>
      asArray(c.env).flatMap((e) => {
        const ref = at(e, 'valueFrom', 'configMapKeyRef');
        const name = asString(at(ref, 'name'));
        const key = asString(at(ref, 'key'));
        if (!ref || at(ref, 'optional') === true || name === undefined || key === undefined || keys.get(name)?.has(key)) return [];
        return [
          problem(w.doc.file, describeDoc(w.doc), `${asString(at(e, 'name'))} needs key ${key} of ConfigMap ${name}, which it lacks`),
        ];
      }),
    ),
  );
}

/** Every Secret key a workload reads has a row in the Secret table of k8s/README.md. */
export function checkSecretKeysDocumented(docs: YamlDoc[], readme: string): Problem[] {
  const keys = new Set(
    workloads(docs).flatMap((w) =>
      allContainers(w).flatMap((c) => asArray(c.env).map((e) => asString(at(e, 'valueFrom', 'secretKeyRef', 'key')))),
    ),
  );
  return [...keys]
    .filter((key): key is string => key !== undefined)
    .filter((key) => !readme.split('\n').some((line) => line.startsWith(`| \`${key}\``)))
    .map((key) => problem('k8s/README.md', 'Secrets', `no table row for Secret key ${key}`));
}

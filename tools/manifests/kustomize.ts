// Kustomization files: referenced paths exist, images are ours, no committed
// secrets; and rendering with `kubectl kustomize` when kubectl is installed.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseRapportImage } from './apps';
import { Problem, problem } from './problems';
import { asArray, asRecord, asString, at } from './values';
import { allContainers, workloads } from './workloads';
import { ParsedYaml, YamlDoc, describeDoc, kindOf, parseYaml } from './yaml-docs';

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function isKustomization(doc: YamlDoc): boolean {
  return KUSTOMIZATION_FILES.includes(basename(doc.file)) || kindOf(doc) === 'Kustomization';
}

function isRemote(path: string): boolean {
  return /^[a-z]+:\/\//i.test(path) || path.startsWith('github.com/');
}

/** Local paths a kustomization refers to, with the field that names each. */
function referencedPaths(k: unknown): Array<[field: string, path: string]> {
  const paths: Array<[string, string]> = [];
  const add = (field: string, value: unknown) => {
    const path = asString(value);
    if (path && !isRemote(path)) paths.push([field, path]);
  };
  for (const field of ['resources', 'components', 'crds']) asArray(at(k, field)).forEach((p) => add(field, p));
  asArray(at(k, 'patches')).forEach((p) => add('patches[].path', at(p, 'path')));
  asArray(at(k, 'patchesStrategicMerge')).forEach((p) => add('patchesStrategicMerge', p));
  asArray(at(k, 'configMapGenerator')).forEach((g) =>
    [...asArray(at(g, 'files')), ...asArray(at(g, 'envs'))].forEach((f) =>
      add('configMapGenerator files/envs', asString(f)?.split('=').pop()),
    ),
  );
  return paths;
}

function isKustomizationDir(path: string): boolean {
  return KUSTOMIZATION_FILES.some((file) => existsSync(join(path, file)));
}

export function checkKustomizationPaths(root: string, docs: YamlDoc[]): Problem[] {
  return docs.filter(isKustomization).flatMap((doc) =>
    referencedPaths(doc.value).flatMap(([field, path]) => {
      const target = join(root, dirname(doc.file), path);
      if (!existsSync(target)) return [problem(doc.file, 'Kustomization', `${field} entry "${path}" does not exist`)];
      if (statSync(target).isDirectory() && !isKustomizationDir(target))
        return [problem(doc.file, 'Kustomization', `${field} entry "${path}" is a folder without a kustomization.yaml`)];
      return [];
    }),
  );
}

/** `images:` entries rename/retag only ghcr.io/rapport-crm/<existing app>. */
export function checkKustomizationImages(docs: YamlDoc[], apps: Set<string>): Problem[] {
  return docs.filter(isKustomization).flatMap((doc) =>
    asArray(at(doc.value, 'images')).flatMap((entry) => {
      const problems: Problem[] = [];
      for (const field of ['name', 'newName']) {
        const image = asString(at(entry, field));
        if (image === undefined) continue;
        const ref = parseRapportImage(image);
        if (!ref || ref.tag || ref.digest)
          problems.push(problem(doc.file, 'Kustomization', `images[].${field} "${image}" is not ghcr.io/rapport-crm/<app>`));
        else if (!apps.has(ref.app))
          problems.push(
            problem(
              doc.file,
              'Kustomization',
              `images[].${field} "${image}" names app "${ref.app}", which has no apps/${ref.app}/src/main.ts`,
            ),
          );
      }
      return problems;
    }),
  );
}

export function checkNoSecretGenerators(docs: YamlDoc[]): Problem[] {
  return docs
    .filter((doc) => isKustomization(doc) && asArray(at(doc.value, 'secretGenerator')).length > 0)
    .map((doc) => problem(doc.file, 'Kustomization', 'has a secretGenerator; Secrets are created out of band, never committed'));
}

/** envFrom/valueFrom ConfigMap references name a ConfigMap or a configMapGenerator. */
export function checkConfigMapRefs(docs: YamlDoc[]): Problem[] {
  const known = new Set<string | undefined>([
    ...docs.filter((d) => kindOf(d) === 'ConfigMap').map((d) => asString(at(d.value, 'metadata', 'name'))),
    ...docs.filter(isKustomization).flatMap((d) => asArray(at(d.value, 'configMapGenerator')).map((g) => asString(at(g, 'name')))),
  ]);
  return workloads(docs).flatMap((w) =>
    allContainers(w)
      .flatMap((c) => [
        ...asArray(c.envFrom).map((e) => asString(at(e, 'configMapRef', 'name'))),
        ...asArray(c.env).map((e) => asString(at(e, 'valueFrom', 'configMapKeyRef', 'name'))),
      ])
      .filter((name): name is string => name !== undefined && !known.has(name))
      .map((name) =>
        problem(w.doc.file, describeDoc(w.doc), `references ConfigMap "${name}", which no ConfigMap or configMapGenerator defines`),
      ),
  );
}

/** Rendered images carry a pinned tag (not latest/main/…) or a digest. */
export function checkPinnedImages(docs: YamlDoc[]): Problem[] {
  const floating = new Set(['latest', 'main', 'master', 'dev', 'edge', 'nightly']);
  return workloads(docs).flatMap((w) =>
    allContainers(w).flatMap((c) => {
      const image = asString(c.image) ?? '';
      const ref = parseRapportImage(image);
      if (ref && (ref.digest || (ref.tag && !floating.has(ref.tag)))) return [];
      return [problem(w.doc.file, describeDoc(w.doc), `image "${image}" is not pinned to a version tag or digest`)];
    }),
  );
}

/** Renders a kustomization with `kubectl kustomize`; undefined when kubectl is not installed. */
export function renderKustomization(root: string, dir: string): ParsedYaml | undefined {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', join(root, dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const err = asRecord(error);
    if (err?.code === 'ENOENT') return undefined;
    const stderr = String(err?.stderr ?? err?.message ?? error).trim();
    return { docs: [], problems: [problem(`kubectl kustomize ${dir}`, 'render', stderr)] };
  }
  return parseYaml(output, `kubectl kustomize ${dir}`);
}

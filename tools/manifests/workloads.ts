// Checks on the pods that Deployments and Jobs run.
import { parseRapportImage } from './apps';
import { Problem, problem } from './problems';
import { asArray, asRecord, asString, at, Obj, stringMap } from './values';
import { YamlDoc, describeDoc, kindOf } from './yaml-docs';

export interface Workload {
  doc: YamlDoc;
  kind: 'Deployment' | 'Job';
  podSpec: Obj;
  podLabels: Record<string, string>;
}

export function workloads(docs: YamlDoc[]): Workload[] {
  return docs.flatMap((doc) => {
    const kind = kindOf(doc);
    if (kind !== 'Deployment' && kind !== 'Job') return [];
    return [
      {
        doc,
        kind,
        podSpec: asRecord(at(doc.value, 'spec', 'template', 'spec')) ?? {},
        podLabels: stringMap(at(doc.value, 'spec', 'template', 'metadata', 'labels')),
      },
    ];
  });
}

function containers(w: Workload, withInit = false): Obj[] {
  const all = [...asArray(w.podSpec.containers), ...(withInit ? asArray(w.podSpec.initContainers) : [])];
  return all.map((c) => asRecord(c) ?? {});
}

/** Containers and init containers. */
export function allContainers(w: Workload): Obj[] {
  return containers(w, true);
}

function containerName(c: Obj): string {
  return asString(c.name) ?? '(unnamed)';
}

/** Deployments: readiness + liveness probes and cpu/memory requests and limits. */
export function checkProbesAndResources(docs: YamlDoc[]): Problem[] {
  return workloads(docs)
    .filter((w) => w.kind === 'Deployment')
    .flatMap((w) => {
      const found: Problem[] = [];
      const report = (message: string) => found.push(problem(w.doc.file, describeDoc(w.doc), message));
      if (containers(w).length === 0) report('has no containers');
      for (const c of containers(w)) {
        const name = containerName(c);
        for (const probe of ['readinessProbe', 'livenessProbe']) if (!asRecord(c[probe])) report(`container ${name} lacks ${probe}`);
        for (const bound of ['requests', 'limits'])
          for (const resource of ['cpu', 'memory'])
            if (at(c, 'resources', bound, resource) === undefined) report(`container ${name} lacks resources.${bound}.${resource}`);
      }
      return found;
    });
}

/** Deployments and Jobs: non-root and a read-only root filesystem, for every container. */
export function checkSecurityContext(docs: YamlDoc[]): Problem[] {
  return workloads(docs).flatMap((w) =>
    containers(w, true).flatMap((c) => {
      const found: Problem[] = [];
      const name = containerName(c);
      const nonRoot = at(c, 'securityContext', 'runAsNonRoot') ?? at(w.podSpec, 'securityContext', 'runAsNonRoot');
      if (nonRoot !== true) found.push(problem(w.doc.file, describeDoc(w.doc), `container ${name} is not runAsNonRoot`));
      if (at(c, 'securityContext', 'readOnlyRootFilesystem') !== true)
        found.push(problem(w.doc.file, describeDoc(w.doc), `container ${name} lacks readOnlyRootFilesystem: true`));
      return found;
    }),
  );
}

/** Deployments and Jobs run only ghcr.io/rapport-crm/<app> images of apps that exist, labelled as that app. */
export function checkImages(docs: YamlDoc[], apps: Set<string>): Problem[] {
  return workloads(docs).flatMap((w) =>
    containers(w, true).flatMap((c) => {
      const image = asString(c.image) ?? '';
      const ref = parseRapportImage(image);
      const where = [w.doc.file, describeDoc(w.doc)] as const;
      const name = containerName(c);
      if (!ref) return [problem(...where, `container ${name} image "${image}" is not ghcr.io/rapport-crm/<app>`)];
      if (!apps.has(ref.app))
        return [problem(...where, `container ${name} image "${image}" names app "${ref.app}", which has no apps/${ref.app}/src/main.ts`)];
      const labelled = w.podLabels['app.kubernetes.io/name'];
      if (labelled !== ref.app)
        return [
          problem(
            ...where,
            `container ${name} runs app "${ref.app}" but the pod is labelled app.kubernetes.io/name=${labelled ?? '(none)'}`,
          ),
        ];
      return [];
    }),
  );
}

/** Every secretKeyRef / secretRef points at the one externally managed Secret. */
export function checkSecretRefs(docs: YamlDoc[], secretName: string): Problem[] {
  return workloads(docs).flatMap((w) =>
    containers(w, true).flatMap((c) => {
      const refs = [
        ...asArray(c.env).map((e) => asString(at(e, 'valueFrom', 'secretKeyRef', 'name'))),
        ...asArray(c.envFrom).map((e) => asString(at(e, 'secretRef', 'name'))),
      ].filter((name): name is string => name !== undefined);
      return refs
        .filter((name) => name !== secretName)
        .map((name) =>
          problem(w.doc.file, describeDoc(w.doc), `container ${containerName(c)} reads Secret "${name}", not "${secretName}"`),
        );
    }),
  );
}

/** Secret values are never committed: no Secret objects with data under k8s/. */
export function checkNoCommittedSecrets(docs: YamlDoc[]): Problem[] {
  return docs
    .filter((doc) => kindOf(doc) === 'Secret' && (asRecord(at(doc.value, 'data')) || asRecord(at(doc.value, 'stringData'))))
    .map((doc) => problem(doc.file, describeDoc(doc), 'commits Secret values; create the Secret out of band instead'));
}

// Structural checks on the deployment manifests: every YAML document under
// k8s/ and docker/compose.yml. Each failure names the file and the object.
// Every app under apps/ (the gateway and its subgraphs, catalogue.ts) must be
// deployed like the others, with only variables it reads.
//   npx jest tools/manifests
// When kubectl is installed, the base and each overlay are also rendered
// with `kubectl kustomize` and the rendered objects checked the same way.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { discoverApps } from './apps';
import { appCatalogue, checkCatalogue } from './catalogue';
import { checkComposeBuilds, checkComposeDependsOn, checkComposePorts } from './compose';
import { checkComposeApps, checkComposeDatabases, checkComposeEnvVariables, parseInitSql } from './coverage-compose';
import { checkAppsDeployed, checkConfigMapKeyRefs, checkEnvVariables, checkOverlayImages, checkSecretKeysDocumented } from './coverage-k8s';
import {
  checkConfigMapRefs,
  checkKustomizationImages,
  checkKustomizationPaths,
  checkNoSecretGenerators,
  checkPinnedImages,
  renderKustomization,
} from './kustomize';
import { checkDefaultDeny } from './network';
import { formatProblems } from './problems';
import { checkHpaAndPdb, checkHpaBounds } from './scaling';
import { checkImages, checkNoCommittedSecrets, checkProbesAndResources, checkSecretRefs, checkSecurityContext } from './workloads';
import { listYamlFiles, loadYamlFiles } from './yaml-docs';

const root = join(__dirname, '..', '..');
const apps = discoverApps(root);
const k8s = loadYamlFiles(root, listYamlFiles(join(root, 'k8s')));
const composeFile = join(root, 'docker', 'compose.yml');
const compose = loadYamlFiles(root, existsSync(composeFile) ? [composeFile] : []);
const composeDoc = compose.docs[0];
const base = k8s.docs.filter((doc) => doc.file.startsWith('k8s/base/'));
const specs = appCatalogue();
const k8sReadme = readFileSync(join(root, 'k8s', 'README.md'), 'utf8');
const initSql = parseInitSql(readFileSync(join(root, 'docker', 'postgres', 'init.sql'), 'utf8'));

const SECRET = 'rapport-secrets';
// The gateway, and the mail catcher's web UI (marketing's email in compose).
const PUBLISHED = ['gateway', 'mailpit'];

describe('deployment manifests', () => {
  it('finds apps, k8s manifests and the compose file', () => {
    expect([...apps].length).toBeGreaterThan(0);
    expect(base.length).toBeGreaterThan(0);
    expect(composeDoc).toBeDefined();
  });

  it('every YAML document parses', () => {
    expect(formatProblems([...k8s.problems, ...compose.problems])).toEqual([]);
  });

  it('every app under apps/ is the gateway or one of its subgraphs', () => {
    expect(formatProblems(checkCatalogue(specs, apps))).toEqual([]);
  });

  describe('k8s/ sources', () => {
    it('Deployment containers have readiness/liveness probes and cpu/memory requests and limits', () => {
      expect(formatProblems(checkProbesAndResources(k8s.docs))).toEqual([]);
    });

    it('Deployments and Jobs run ghcr.io/rapport-crm/<app> for apps that exist', () => {
      expect(formatProblems(checkImages(k8s.docs, apps))).toEqual([]);
    });

    it('containers run as non-root on a read-only root filesystem', () => {
      expect(formatProblems(checkSecurityContext(k8s.docs))).toEqual([]);
    });

    it(`Secrets are referenced (${SECRET}), never committed`, () => {
      expect(
        formatProblems([...checkSecretRefs(k8s.docs, SECRET), ...checkNoCommittedSecrets(k8s.docs), ...checkNoSecretGenerators(k8s.docs)]),
      ).toEqual([]);
    });

    it('every kustomization entry exists on disk', () => {
      expect(formatProblems(checkKustomizationPaths(root, k8s.docs))).toEqual([]);
    });

    it('kustomization images: entries name ghcr.io/rapport-crm/<existing app>', () => {
      expect(formatProblems(checkKustomizationImages(k8s.docs, apps))).toEqual([]);
    });

    it('ConfigMap references resolve in the base', () => {
      expect(formatProblems(checkConfigMapRefs(base))).toEqual([]);
    });

    it('every Deployment has an HPA and a PDB targeting it', () => {
      expect(formatProblems([...checkHpaAndPdb(base), ...checkHpaBounds(k8s.docs)])).toEqual([]);
    });

    it('the NetworkPolicy set contains a default deny', () => {
      expect(formatProblems(checkDefaultDeny(base, 'k8s/base'))).toEqual([]);
    });

    it("every app has a Deployment and Service on its port; every subgraph a migration Job, the gateway's URL and a NetworkPolicy from the gateway", () => {
      expect(formatProblems(checkAppsDeployed(base, specs))).toEqual([]);
    });

    it('every overlay tags every app image', () => {
      expect(formatProblems(checkOverlayImages(k8s.docs, specs))).toEqual([]);
    });

    it('containers set only variables their app reads; every shared ConfigMap key is read by an app', () => {
      expect(formatProblems(checkEnvVariables(k8s.docs, specs))).toEqual([]);
    });

    it('every Secret key read is documented in k8s/README.md', () => {
      expect(formatProblems(checkSecretKeysDocumented(k8s.docs, k8sReadme))).toEqual([]);
    });

    it('every overlay directory has a kustomization.yaml', () => {
      const overlays = join(root, 'k8s', 'overlays');
      const missing = readdirSync(overlays)
        .map((name) => join(overlays, name))
        .filter((dir) => !existsSync(join(dir, 'kustomization.yaml')))
        .map((dir) => `${relative(root, dir)}: no kustomization.yaml`);
      expect(missing).toEqual([]);
    });
  });

  describe('docker/compose.yml', () => {
    it('builds only apps that exist, from a Dockerfile that exists', () => {
      expect(formatProblems(checkComposeBuilds(root, composeDoc, apps))).toEqual([]);
    });

    it(`publishes ports only for ${PUBLISHED.join(', ')}`, () => {
      expect(formatProblems(checkComposePorts(composeDoc, PUBLISHED))).toEqual([]);
    });

    it('depends_on names existing services', () => {
      expect(formatProblems(checkComposeDependsOn(composeDoc))).toEqual([]);
    });

    it("runs every app on its PORT; every subgraph after its migrate one-shot, with the gateway's URL and dependency", () => {
      expect(formatProblems(checkComposeApps(composeDoc, specs))).toEqual([]);
    });

    it("every subgraph runs as a login of its own that postgres/init.sql creates, and migrates as its database's owner", () => {
      expect(formatProblems(checkComposeDatabases(composeDoc, specs, initSql))).toEqual([]);
    });

    it('services set only variables their app reads', () => {
      expect(formatProblems(checkComposeEnvVariables(composeDoc, specs))).toEqual([]);
    });
  });

  describe.each(['k8s/base', 'k8s/overlays/dev', 'k8s/overlays/prod'])('rendered %s (kubectl kustomize)', (dir) => {
    const rendered = renderKustomization(root, dir);
    const itRendered = rendered ? it : it.skip; // kubectl not installed

    itRendered('renders, and its workloads pass the same checks', () => {
      const docs = rendered?.docs ?? [];
      expect(docs.length).toBeGreaterThan(0);
      expect(
        formatProblems([
          ...(rendered?.problems ?? []),
          ...checkProbesAndResources(docs),
          ...checkImages(docs, apps),
          ...checkSecurityContext(docs),
          ...checkSecretRefs(docs, SECRET),
          ...checkNoCommittedSecrets(docs),
          ...checkConfigMapRefs(docs),
          ...checkHpaAndPdb(docs),
          ...checkHpaBounds(docs),
          ...checkDefaultDeny(docs, `kubectl kustomize ${dir}`),
          ...checkAppsDeployed(docs, specs),
          ...checkEnvVariables(docs, specs),
        ]),
      ).toEqual([]);
    });

    if (dir.startsWith('k8s/overlays/')) {
      itRendered('has every ConfigMap key that a container requires', () => {
        expect(formatProblems(checkConfigMapKeyRefs(rendered?.docs ?? []))).toEqual([]);
      });
    }

    if (dir.endsWith('/prod')) {
      itRendered('pins every image to a version tag or digest', () => {
        expect(formatProblems(checkPinnedImages(rendered?.docs ?? []))).toEqual([]);
      });
    }
  });
});

// Every Deployment has an HPA and a PDB aimed at it.
import { Problem, problem } from './problems';
import { asString, at, stringMap } from './values';
import { workloads } from './workloads';
import { YamlDoc, describeDoc, kindOf, nameOf } from './yaml-docs';

function namespaceOf(doc: YamlDoc): string {
  return asString(at(doc.value, 'metadata', 'namespace')) ?? '';
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((key) => labels[key] === selector[key]);
}

export function checkHpaAndPdb(docs: YamlDoc[]): Problem[] {
  const hpas = docs.filter((doc) => kindOf(doc) === 'HorizontalPodAutoscaler');
  const pdbs = docs.filter((doc) => kindOf(doc) === 'PodDisruptionBudget');
  return workloads(docs)
    .filter((w) => w.kind === 'Deployment')
    .flatMap((w) => {
      const found: Problem[] = [];
      const name = nameOf(w.doc);
      const ns = namespaceOf(w.doc);
      const hpa = hpas.find(
        (h) =>
          namespaceOf(h) === ns &&
          at(h.value, 'spec', 'scaleTargetRef', 'kind') === 'Deployment' &&
          at(h.value, 'spec', 'scaleTargetRef', 'name') === name,
      );
      if (!hpa) found.push(problem(w.doc.file, describeDoc(w.doc), 'no HorizontalPodAutoscaler targets this Deployment'));
      const pdb = pdbs.find(
        (p) => namespaceOf(p) === ns && selects(stringMap(at(p.value, 'spec', 'selector', 'matchLabels')), w.podLabels),
      );
      if (!pdb)
        found.push(problem(w.doc.file, describeDoc(w.doc), "no PodDisruptionBudget's selector.matchLabels selects this Deployment's pods"));
      return found;
    });
}

export function checkHpaBounds(docs: YamlDoc[]): Problem[] {
  return docs
    .filter((doc) => kindOf(doc) === 'HorizontalPodAutoscaler')
    .flatMap((doc) => {
      const min = at(doc.value, 'spec', 'minReplicas');
      const max = at(doc.value, 'spec', 'maxReplicas');
      if (typeof min === 'number' && typeof max === 'number' && min >= 1 && max >= min) return [];
      return [problem(doc.file, describeDoc(doc), `minReplicas ${String(min)} / maxReplicas ${String(max)} are not 1 <= min <= max`)];
    });
}

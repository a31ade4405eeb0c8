// Finds YAML files and parses every document in them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { asRecord, asString } from './values';
import { Problem, problem } from './problems';

export interface YamlDoc {
  /** Path relative to the repository root (or a label such as `kubectl kustomize k8s/overlays/dev`). */
  file: string;
  /** Position of the document in its file, from 0. */
  index: number;
  value: unknown;
}

export interface ParsedYaml {
  docs: YamlDoc[];
  problems: Problem[];
}

export function listYamlFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listYamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** Parses a YAML stream; `<<` merge keys are honoured (compose uses them). */
export function parseYaml(source: string, label: string): ParsedYaml {
  const docs: YamlDoc[] = [];
  const problems: Problem[] = [];
  parseAllDocuments(source, { merge: true }).forEach((doc, index) => {
    for (const error of doc.errors) problems.push(problem(label, `document ${index}`, `YAML error: ${error.message}`));
    const value: unknown = doc.toJS({ maxAliasCount: -1 });
    if (value !== null && value !== undefined) docs.push({ file: label, index, value });
  });
  return { docs, problems };
}

export function loadYamlFiles(root: string, files: string[]): ParsedYaml {
  const parsed = files.map((file) => parseYaml(readFileSync(file, 'utf8'), relative(root, file)));
  return { docs: parsed.flatMap((p) => p.docs), problems: parsed.flatMap((p) => p.problems) };
}

/** `Deployment/sales` (or `document 2` when it has no kind/name). */
export function describeDoc(doc: YamlDoc): string {
  const kind = asString(asRecord(doc.value)?.kind);
  const name = asString(asRecord(asRecord(doc.value)?.metadata)?.name);
  return kind && name ? `${kind}/${name}` : kind ? `${kind} (document ${doc.index})` : `document ${doc.index}`;
}

export function kindOf(doc: YamlDoc): string | undefined {
  return asString(asRecord(doc.value)?.kind);
}

export function nameOf(doc: YamlDoc): string | undefined {
  return asString(asRecord(asRecord(doc.value)?.metadata)?.name);
}

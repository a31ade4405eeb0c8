import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { loadTypeDefs } from '@rapport/service-kit';
import { buildSchema, findBreakingChanges, parse, type BreakingChange } from 'graphql';
import { defaultSubgraphUrl, SUBGRAPHS } from '../../apps/gateway/src/subgraphs';

export const ROOT = join(__dirname, '..', '..');
export const SUPERGRAPH_FILE = join(ROOT, 'apps/gateway/src/supergraph.graphql');

/** Composes the checked-in subgraph SDL files; throws with every composition error. */
export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPHS.map((s) => ({ name: s.name, url: defaultSubgraphUrl(s.port), typeDefs: parse(loadTypeDefs(join(ROOT, s.dir))) })),
  );
  if (result.errors) {
    throw new Error(`supergraph composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}

export function committedSupergraph(): string | null {
  return existsSync(SUPERGRAPH_FILE) ? readFileSync(SUPERGRAPH_FILE, 'utf8') : null;
}

/** Changes to the public API that would break existing clients (removed fields, changed types…). */
export function breakingChanges(before: string, after: string): BreakingChange[] {
  return findBreakingChanges(buildSchema(before), buildSchema(after)).filter(
    (c) => !/^(join__|link__|inaccessible)/.test(c.description) && !c.description.includes('join__'),
  );
}

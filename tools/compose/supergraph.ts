import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { loadTypeDefs } from '@rapport/service-kit';
import {
  buildSchema,
  findBreakingChanges,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedScalarType,
  parse,
  type BreakingChange,
} from 'graphql';
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

/** Names Federation and GraphQL define, which are documented (or not) by them, not by us. */
const FEDERATION_INTERNAL = /^(__|_service$|_entities$|_Any$|_Entity$|_Service$|link__|join__|federation__)/;

/**
 * Every type, field, input field, argument of a Query or Mutation field, and
 * enum value of the supergraph that has no description, as `Type`,
 * `Type.field`, `Query.field(arg)` or `Enum.VALUE` — the schema is the API's
 * documentation, so this list should be empty.
 */
export function undocumented(supergraphSdl: string): string[] {
  const schema = buildSchema(supergraphSdl);
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (FEDERATION_INTERNAL.test(type.name) || isSpecifiedScalarType(type)) continue;
    if (!type.description?.trim()) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      const root = type === schema.getQueryType() || type === schema.getMutationType();
      for (const field of Object.values(type.getFields())) {
        if (FEDERATION_INTERNAL.test(field.name)) continue;
        if (!field.description?.trim()) missing.push(`${type.name}.${field.name}`);
        if (root && 'args' in field) {
          for (const arg of field.args) if (!arg.description?.trim()) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    if (isEnumType(type)) for (const value of type.getValues()) if (!value.description?.trim()) missing.push(`${type.name}.${value.name}`);
  }
  return missing;
}

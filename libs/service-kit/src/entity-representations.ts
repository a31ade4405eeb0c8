import type { ApolloServerPlugin } from '@apollo/server';
import { badUserInput } from '@rapport/auth';
import {
  getArgumentValues,
  GraphQLError,
  isUnionType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * `_entities` is how the gateway asks a subgraph for entities, but anyone
 * with a token can call a subgraph directly. @apollo/subgraph throws a plain
 * Error for a representation that is not an object naming one of this
 * subgraph's entity types — a caller's mistake that would otherwise leave as
 * INTERNAL_SERVER_ERROR. Refuses it as BAD_USER_INPUT naming the entry.
 */
export function checkEntityRepresentations(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): void {
  const entityUnion = schema.getType('_Entity');
  const entityField = schema.getQueryType()?.getFields()._entities;
  if (!entityField || !entityUnion || !isUnionType(entityUnion)) return;
  const entityTypes = new Map(entityUnion.getTypes().map((t) => [t.name, keyFieldSets(t)]));
  for (const node of rootFields(document, operation.selectionSet)) {
    if (node.name.value !== '_entities') continue;
    const given = argumentValue(entityField, node, variables);
    if (given === undefined || given === null) continue;
    // The variables are not coerced yet: one value where the list belongs becomes a list of one at execution (GraphQL's input coercion).
    const representations: unknown[] = Array.isArray(given) ? given : [given];
    representations.forEach((rep, i) => {
      const typename = rep && typeof rep === 'object' ? (rep as { __typename?: unknown }).__typename : undefined;
      const keys = typeof typename === 'string' ? entityTypes.get(typename) : undefined;
      if (!keys)
        throw refuse(
          `representations[${i}].__typename`,
          `must name an entity type of this subgraph (${[...entityTypes.keys()].join(', ')})`,
        );
      // A key of the wrong kind would be echoed back by a reference resolver and fail as output (e.g. ID cannot represent an object).
      const values = rep as Record<string, unknown>;
      if (keys.length > 0 && !keys.some((fields) => fields.every((f) => typeof values[f] === 'string' || typeof values[f] === 'number'))) {
        throw refuse(`representations[${i}].${keys[0][0]}`, `must carry the key ${keys.map((k) => k.join(' ')).join(' or ')} as text`);
      }
    });
  }
}

function refuse(field: string, message: string): GraphQLError {
  const refused = badUserInput(field, message);
  // Refused before execution: Apollo answers 500 for a plugin's error unless it carries its status.
  return new GraphQLError(refused.message, { extensions: { ...refused.extensions, http: { status: 400 } } });
}

/** The simple key field sets of an entity type's @key directives (`id`, `tenantId code`); compound keys are left to the resolver. */
function keyFieldSets(type: GraphQLObjectType): string[][] {
  const sets: string[][] = [];
  for (const node of [type.astNode, ...type.extensionASTNodes]) {
    for (const directive of node?.directives ?? []) {
      if (directive.name.value !== 'key') continue;
      const fields = directive.arguments?.find((a) => a.name.value === 'fields')?.value;
      if (fields?.kind !== Kind.STRING) continue;
      if (fields.value.includes('{')) return [];
      sets.push(fields.value.trim().split(/\s+/));
    }
  }
  return sets;
}

/** The representations as given, or undefined when they cannot be read yet (a missing variable: execution reports that, as BAD_USER_INPUT). */
function argumentValue(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): unknown {
  try {
    return (getArgumentValues(field, node, variables) as { representations?: unknown }).representations;
  } catch {
    return undefined;
  }
}

/** Fields at the top of an operation, through inline fragments and fragment spreads. */
function rootFields(document: DocumentNode, selectionSet: SelectionSetNode, seen = new Set<string>()): FieldNode[] {
  return selectionSet.selections.flatMap((s): FieldNode[] => {
    if (s.kind === Kind.FIELD) return [s];
    if (s.kind === Kind.INLINE_FRAGMENT) return rootFields(document, s.selectionSet, seen);
    if (seen.has(s.name.value)) return [];
    seen.add(s.name.value);
    const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value);
    return fragment && fragment.kind === Kind.FRAGMENT_DEFINITION ? rootFields(document, fragment.selectionSet, seen) : [];
  });
}

export function entityRepresentationsPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (operation?.operation === 'query') checkEntityRepresentations(schema, document, operation, request.variables ?? {});
        },
      };
    },
  };
}

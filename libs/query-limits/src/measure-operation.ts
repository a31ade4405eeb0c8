import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** Page size assumed for a `first` argument that is absent and has no default in the schema. */
export const DEFAULT_PAGE = 20;
/** Items assumed in a plain list (`[T!]!`, no `first`) that is not the edges/nodes of a page already counted. */
export const PLAIN_LIST_SIZE = 10;

export interface OperationMeasure {
  depth: number;
  cost: number;
  /** Fields given an alias, counted as often as they are spread. */
  aliases: number;
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  visiting: Set<string>;
  variables: Record<string, unknown>;
  operation: OperationDefinitionNode;
}

/**
 * Measures an operation before it runs, against the schema it will run on.
 * Depth is the deepest field nesting. Cost counts every field once (also
 * `__typename` and introspection: 100,000 aliased `__typename` are not free),
 * multiplied by the sizes of the lists it sits under:
 * - a field with a `first` (or `last`) argument by its value (literal or variable) or,
 *   when left out, by the argument's default in the schema (`first: Int = 20`),
 *   so leaving out `first` does not make a page cheaper;
 * - a plain list (`[T!]!`) by PLAIN_LIST_SIZE, except the edges/nodes right
 *   under a paged field, whose size the page already counted;
 * - `_entities` (a gateway's fetch to a subgraph) by its number of
 *   representations, so a plan for an accepted query costs about what the
 *   query did at the gateway;
 * - lists inside introspection count once each: the schema is small and in
 *   memory; introspection adds no depth (its cost bounds it).
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> = {},
): OperationMeasure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const root = schema.getRootType(operation.operation) ?? undefined;
  return measure(operation.selectionSet, root, { schema, fragments, visiting: new Set(), variables, operation }, false, false);
}

function measure(
  set: SelectionSetNode,
  parent: GraphQLNamedType | undefined,
  walk: Walk,
  /** Directly under a paged field: its lists are the page (edges, nodes). */
  paged: boolean,
  introspection: boolean,
): OperationMeasure {
  const total: OperationMeasure = { depth: 0, cost: 0, aliases: 0 };
  const add = (m: OperationMeasure, extraDepth: number, multiplier: number, own: number, aliases: number) => {
    total.depth = Math.max(total.depth, m.depth + extraDepth);
    total.cost += own + multiplier * m.cost;
    total.aliases += aliases + m.aliases;
  };
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      const def = fieldDef(walk.schema, parent, sel.name.value);
      const inIntrospection = introspection || sel.name.value === '__schema' || sel.name.value === '__type';
      const size = inIntrospection ? { n: 1, pages: false } : listSize(sel, def, walk, paged);
      const inner = sel.selectionSet
        ? measure(sel.selectionSet, def && getNamedType(def.type), walk, size.pages, inIntrospection)
        : { depth: 0, cost: 0, aliases: 0 };
      // Introspection adds no depth: `ofType` chains of the standard introspection query go 8 deep, and its cost still counts.
      add(inner, inIntrospection ? 0 : 1, size.n, 1, sel.alias ? 1 : 0);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      const type = sel.typeCondition ? walk.schema.getType(sel.typeCondition.name.value) : parent;
      add(measure(sel.selectionSet, type ?? undefined, walk, paged, introspection), 0, 1, 0, 0);
    } else {
      const name = sel.name.value;
      const fragment = walk.fragments.get(name);
      if (!fragment || walk.visiting.has(name)) continue; // unknown or cyclic: graphql validation reports it
      walk.visiting.add(name);
      const type = walk.schema.getType(fragment.typeCondition.name.value) ?? undefined;
      add(measure(fragment.selectionSet, type, walk, paged, introspection), 0, 1, 0, 0);
      walk.visiting.delete(name);
    }
  }
  return total;
}

function fieldDef(schema: GraphQLSchema, parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === '__typename') return TypeNameMetaFieldDef;
  if (parent && parent === schema.getQueryType()) {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
  }
  if (parent && (isObjectType(parent) || isInterfaceType(parent))) return parent.getFields()[name];
  return undefined;
}

/** How many times a field's selection runs, and whether that size is a page (so the lists right under it are not multiplied again). */
function listSize(
  node: FieldNode,
  def: GraphQLField<unknown, unknown> | undefined,
  walk: Walk,
  paged: boolean,
): { n: number; pages: boolean } {
  if (node.name.value === '_entities') {
    const reps = argumentValue(node, def, 'representations', walk);
    return { n: Array.isArray(reps) ? reps.length : DEFAULT_PAGE, pages: false };
  }
  const pageArg = (name: string) => def?.args.some((a) => a.name === name) || node.arguments?.some((a) => a.name.value === name);
  if (pageArg('first') || pageArg('last')) {
    // A backward page (`last`) costs what a forward one does; with both, the larger counts.
    const sizes = ['first', 'last'].map((name) => Number(argumentValue(node, def, name, walk))).filter((n) => Number.isFinite(n) && n > 0);
    return { n: sizes.length > 0 ? Math.max(...sizes) : DEFAULT_PAGE, pages: true };
  }
  if (def && isListType(getNullableType(def.type)) && !paged) return { n: PLAIN_LIST_SIZE, pages: false };
  return { n: 1, pages: false };
}

/** The argument as the resolver will see it: literal, variable (or its default), else the schema's default. */
function argumentValue(node: FieldNode, def: GraphQLField<unknown, unknown> | undefined, name: string, walk: Walk): unknown {
  const arg = node.arguments?.find((a) => a.name.value === name);
  const schemaArg = def?.args.find((a) => a.name === name);
  if (!arg) return schemaArg?.defaultValue;
  if (arg.value.kind === Kind.VARIABLE) {
    const variable = arg.value.name.value;
    if (variable in walk.variables) return walk.variables[variable];
    const declared = walk.operation.variableDefinitions?.find((v) => v.variable.name.value === variable);
    if (declared?.defaultValue && schemaArg) return valueFromAST(declared.defaultValue, schemaArg.type);
    return schemaArg?.defaultValue;
  }
  if (arg.value.kind === Kind.INT) return Number(arg.value.value);
  if (arg.value.kind === Kind.LIST) return arg.value.values;
  return schemaArg ? valueFromAST(arg.value, schemaArg.type) : undefined;
}

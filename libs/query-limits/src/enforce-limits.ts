import { GraphQLError, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { measureOperation, type OperationMeasure } from './measure-operation';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  /** The budget of a caller without a token: signing in costs a few fields, nothing more is needed. */
  anonymousMaxCost: number;
  maxAliases: number;
}

/**
 * Measures the operation and throws QUERY_TOO_COMPLEX (HTTP 400) naming the
 * limit it exceeds, before anything executes. Returns the measure when within.
 */
export function enforceQueryLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  limits: QueryLimits,
  anonymous: boolean,
): OperationMeasure {
  const measured = measureOperation(schema, document, operation, variables);
  const { depth, cost, aliases } = measured;
  if (depth > limits.maxDepth)
    throw tooComplex(`query depth ${depth} exceeds the limit of ${limits.maxDepth}`, { depth, maxDepth: limits.maxDepth });
  if (aliases > limits.maxAliases)
    throw tooComplex(`query uses ${aliases} aliases, more than the limit of ${limits.maxAliases}`, {
      aliases,
      maxAliases: limits.maxAliases,
    });
  const maxCost = anonymous ? limits.anonymousMaxCost : limits.maxCost;
  if (cost > maxCost)
    throw tooComplex(
      `query cost ${cost} exceeds the limit of ${maxCost}${anonymous ? ' for anonymous callers; sign in' : '; ask for smaller pages'}`,
      { cost, maxCost },
    );
  return measured;
}

function tooComplex(message: string, extensions: Record<string, number>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', ...extensions, http: { status: 400 } } });
}

import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';

/**
 * graphql-js 17's KnownOperationTypesRule, which 16 lacks: an operation of a
 * type the schema has no root for (a `subscription` here) is the caller's
 * mistake and is refused in validation. Without it graphql-js execution (at a
 * subgraph) or the query planner (at the gateway) throws, and the caller sees
 * INTERNAL_SERVER_ERROR or HTTP 500.
 */
export function KnownOperationTypesRule(context: ValidationContext): ASTVisitor {
  const schema = context.getSchema();
  return {
    OperationDefinition(node) {
      if (schema.getRootType(node.operation)) return;
      context.reportError(
        new GraphQLError(`The ${node.operation} operation is not supported by the schema.`, {
          nodes: node,
          extensions: { field: 'query' },
        }),
      );
    },
  };
}

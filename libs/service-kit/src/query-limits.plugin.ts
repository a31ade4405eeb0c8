import type { ApolloServerPlugin } from '@apollo/server';
import { enforceQueryLimits } from '@rapport/query-limits';
import type { GraphQLRequestContext } from './graphql.config';
import type { PlatformConfig } from './service-config';

/**
 * The gateway's query plans add `__typename` and key fields at every entity
 * boundary, and `_entities` is counted by its representations, which for a
 * plain list can outnumber the gateway's estimate: cost and alias limits get
 * this much headroom here so a plan for a query the gateway accepted always
 * passes. Depth needs none: a fetch is never deeper than the query it serves.
 */
export const PLAN_HEADROOM = 2;

/**
 * A subgraph refuses over-deep, over-costly or alias-flooded operations
 * itself, before executing, with the same limits as the gateway (plus
 * PLAN_HEADROOM): any caller with a valid token can reach it directly.
 */
export function queryLimitsPlugin(config: PlatformConfig): ApolloServerPlugin<GraphQLRequestContext> {
  const limits = {
    maxDepth: config.MAX_QUERY_DEPTH,
    maxCost: config.MAX_QUERY_COST * PLAN_HEADROOM,
    anonymousMaxCost: config.ANON_MAX_QUERY_COST * PLAN_HEADROOM,
    maxAliases: config.MAX_QUERY_ALIASES * PLAN_HEADROOM,
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document, request, schema }) {
          if (!operation) return;
          enforceQueryLimits(schema, document, operation, request.variables ?? {}, limits, !contextValue.principal);
        },
      };
    },
  };
}

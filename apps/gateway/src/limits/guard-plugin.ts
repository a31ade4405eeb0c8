import type { ApolloServerPlugin } from '@apollo/server';
import { unauthenticated } from '@rapport/auth';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { Caller } from '../auth/caller';
import { measureOperation } from './operation-limits';
import type { RateLimiter } from './rate-limiter';

/** Operations an anonymous caller may run: signing in, and nothing else. */
const ANONYMOUS_FIELDS = new Set(['login', 'refreshToken', 'logout', '__typename']);

export interface GuardOptions {
  maxDepth: number;
  maxCost: number;
  ratePerMinute: number;
  anonymousRatePerMinute: number;
  /** Development: let the IDE load the schema before signing in. */
  anonymousIntrospection: boolean;
}

/**
 * Runs after parsing and validation, before the query planner: refuses
 * anonymous callers outside sign-in, over-deep or over-costly operations,
 * and callers over their rate — so none of these ever reach a subgraph.
 */
export function guardPlugin(limiter: RateLimiter, options: GuardOptions): ApolloServerPlugin<Caller> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document, request }) {
          // graphql-js found no operation to run: several in the document and no (or an unknown) operationName.
          if (!operation) throw noOperation(request.operationName);
          if (!contextValue.principal && !onlyAnonymousFields(operation, options.anonymousIntrospection)) throw unauthenticated();

          const { depth, cost } = measureOperation(document, operation, request.variables ?? {});
          if (depth > options.maxDepth)
            throw tooComplex(`query depth ${depth} exceeds the limit of ${options.maxDepth}`, { depth, maxDepth: options.maxDepth });
          if (cost > options.maxCost)
            throw tooComplex(`query cost ${cost} exceeds the limit of ${options.maxCost}; ask for smaller pages`, {
              cost,
              maxCost: options.maxCost,
            });

          const p = contextValue.principal;
          const retryAfter = p
            ? await limiter.hit(`${p.tenantId}:${p.kind}:${p.id}`, options.ratePerMinute)
            : await limiter.hit(`anon:${contextValue.ip}`, options.anonymousRatePerMinute);
          if (retryAfter !== null) {
            throw new GraphQLError(`rate limit exceeded; retry in ${retryAfter} s`, {
              extensions: {
                code: 'RATE_LIMITED',
                retryAfter,
                http: { status: 429, headers: new Map([['retry-after', String(retryAfter)]]) },
              },
            });
          }
        },
      };
    },
  };
}

function onlyAnonymousFields(operation: OperationDefinitionNode, introspection: boolean): boolean {
  if (operation.operation === 'subscription') return false;
  return operation.selectionSet.selections.every(
    (s) =>
      s.kind === Kind.FIELD &&
      (ANONYMOUS_FIELDS.has(s.name.value) || (introspection && (s.name.value === '__schema' || s.name.value === '__type'))),
  );
}

function tooComplex(message: string, extensions: Record<string, number>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', ...extensions, http: { status: 400 } } });
}

function noOperation(operationName: string | null | undefined): GraphQLError {
  const problem = operationName
    ? `no operation named ${JSON.stringify(operationName)}`
    : 'the document has several operations; name the one to run';
  return new GraphQLError(`operationName: ${problem}`, {
    extensions: { code: 'BAD_USER_INPUT', field: 'operationName', http: { status: 400 } },
  });
}

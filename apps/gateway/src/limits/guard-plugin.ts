import type { ApolloServerPlugin } from '@apollo/server';
import { unauthenticated } from '@rapport/auth';
import { enforceQueryLimits, type QueryLimits } from '@rapport/query-limits';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { Caller } from '../auth/caller';

/**
 * Operations an anonymous caller may run: signing in, and getting in by an
 * emailed link (accepting an invitation, resetting a forgotten password),
 * whose token is the credential; nothing else.
 */
const ANONYMOUS_FIELDS = new Set([
  'login',
  'refreshToken',
  'logout',
  'acceptInvitation',
  'requestPasswordReset',
  'resetPassword',
  '__typename',
]);

export interface GuardOptions extends QueryLimits {
  /** Development: let the IDE load the schema before signing in. */
  anonymousIntrospection: boolean;
}

/**
 * Runs after parsing and validation, before the query planner: refuses
 * anonymous callers outside sign-in and operations over the depth, alias or
 * cost limits (measured on the supergraph's API schema), so none of these
 * ever reach a subgraph. The per-caller rate is counted earlier, before
 * parsing (callerRateLimit), so refused operations count too.
 */
export function guardPlugin(options: GuardOptions): ApolloServerPlugin<Caller> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document, request, schema }) {
          // graphql-js found no operation to run: several in the document and no (or an unknown) operationName.
          if (!operation) throw noOperation(request.operationName);
          if (operation.operation === 'subscription') throw subscriptionOverHttp();
          const anonymous = !contextValue.principal;
          if (anonymous && !onlyAnonymousFields(operation, options.anonymousIntrospection)) throw unauthenticated();
          enforceQueryLimits(schema, document, operation, request.variables ?? {}, options, anonymous);
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

function subscriptionOverHttp(): GraphQLError {
  return new GraphQLError(
    'query: subscriptions are served over WebSocket (graphql-ws protocol) at this same /graphql path, not over HTTP',
    {
      extensions: { code: 'BAD_USER_INPUT', field: 'query', http: { status: 400 } },
    },
  );
}

function noOperation(operationName: string | null | undefined): GraphQLError {
  const problem = operationName
    ? `no operation named ${JSON.stringify(operationName)}`
    : 'the document has several operations; name the one to run';
  return new GraphQLError(`operationName: ${problem}`, {
    extensions: { code: 'BAD_USER_INPUT', field: 'operationName', http: { status: 400 } },
  });
}

import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { ApolloFederationDriverConfig } from '@nestjs/apollo';
import { bearerToken, formatApiError, TokenVerifier, unauthenticated, type Principal } from '@rapport/auth';
import { KnownOperationTypesRule } from '@rapport/query-limits';
import type DataLoader from 'dataloader';
import type { Request } from 'express';
import { callerOrigin } from './limits/caller-origin';
import { nulCharactersPlugin } from './limits/nul-characters.plugin';
import { serviceSdlPlugin } from './limits/service-sdl.plugin';
import { entityRepresentationsPlugin } from './entity-representations';
import { requestReadsPlugin } from './request-reads';
import { PLAN_HEADROOM, queryLimitsPlugin } from './query-limits.plugin';
import type { PlatformConfig } from './service-config';
import type { WaitBudget } from './wait-budget';

export interface GraphQLRequestContext {
  req: Request;
  /** Null for anonymous calls; AuthGuard refuses those unless the operation is @Public. */
  principal: Principal | null;
  /** The caller's address: the one the gateway signed, else the connection's peer (callerOrigin). */
  ip: string;
  /** Per-request DataLoaders (see requestLoader). */
  loaders?: Map<string, DataLoader<string, any>>;
  /** What the request may still wait for events from other services (see requestWaitBudget). */
  waitBudget?: WaitBudget;
}

/**
 * Subgraphs trust no header: the gateway forwards the caller's access token
 * and each subgraph verifies its signature again against identity's JWKS.
 * API keys are exchanged for tokens at the gateway, never sent here.
 */
export async function authenticate(req: Request, verifier: TokenVerifier): Promise<Principal | null> {
  const header = req.header('authorization');
  if (!header) {
    if (req.header('x-api-key')) throw unauthenticated('send API keys to the gateway; subgraphs accept access tokens only');
    return null;
  }
  const token = bearerToken(header);
  if (!token) throw unauthenticated('Authorization header must be "Bearer <token>"');
  try {
    return await verifier.verify(token);
  } catch (err) {
    throw unauthenticated((err as Error).message);
  }
}

const principals = new WeakMap<Request, Promise<Principal | null>>();

/** authenticate, once per request: the rate limit (before parsing) and the GraphQL context share the result. */
export function authenticateOnce(req: Request, verifier: TokenVerifier): Promise<Principal | null> {
  let principal = principals.get(req);
  if (!principal) {
    principal = authenticate(req, verifier);
    principals.set(req, principal);
  }
  return principal;
}

export function subgraphGraphQLOptions(
  typeDefs: string,
  config: PlatformConfig,
  verifier: TokenVerifier,
): Omit<ApolloFederationDriverConfig, 'driver'> {
  const exposeStack = config.NODE_ENV !== 'production';
  return {
    typeDefs,
    path: '/graphql',
    playground: false,
    introspection: config.NODE_ENV !== 'production',
    // A flood stops in the parser, before validation; with headroom for the __typename and keys a query plan adds.
    parseOptions: { maxTokens: config.MAX_QUERY_TOKENS * PLAN_HEADROOM },
    includeStacktraceInErrorResponses: exposeStack,
    // graphql-js 16 would execute a subscription against a schema without one, and fail inside.
    validationRules: [KnownOperationTypesRule],
    // As at the gateway: no "Did you mean …?" schema hints where introspection is off.
    hideSchemaDetailsFromClientErrors: config.NODE_ENV === 'production',
    // No Apollo Studio here: per-field traces would only cost time.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      queryLimitsPlugin(config),
      nulCharactersPlugin(),
      serviceSdlPlugin(config),
      entityRepresentationsPlugin<GraphQLRequestContext>(),
      requestReadsPlugin<GraphQLRequestContext>(),
    ],
    context: async ({ req }: { req: Request }): Promise<GraphQLRequestContext> => ({
      req,
      principal: await authenticateOnce(req, verifier),
      ip: callerOrigin(req, config.GATEWAY_SECRET).ip,
    }),
    formatError: (formatted, error) => formatApiError(formatted, { exposeStack }, error),
  };
}

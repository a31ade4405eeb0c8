import type { Server } from 'node:http';
import { badUserInput, forbidden, formatApiError, notFound, rateLimited, type Principal, type RevocationList } from '@rapport/auth';
import type { Logger } from '@rapport/observability';
import { enforceQueryLimits, type QueryLimits } from '@rapport/query-limits';
import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  isNonNullType,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FormattedExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { decodeJwt } from 'jose';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Caller, Credentials } from '../auth/caller';
import { CLOSE } from './close-codes';
import { credentialsOf } from './connection-params';
import type { FollowUp, QueryAnswer } from './follow-up-query';
import { ConnectionBudget, ResultQueue } from './result-queue';
import { CredentialsGone, Subscriber, type SubscriptionPlan, type SubscriptionResult } from './subscriber';
import { SUBSCRIPTION_FIELDS } from './subscription-fields';
import type { SubscriptionClaim } from './caller-subscriptions';
import type { SubscriptionHub } from './subscription-hub';

/** How often open connections are checked against revocations and token expiry (the issue allows 5 s). */
const RECHECK_MS = 1_000;

export interface SubscriptionServerOptions {
  httpServer: Server;
  /** The served schema (API schema + Subscription); null until the supergraph is loaded. */
  schema: () => GraphQLSchema | null;
  hub: SubscriptionHub;
  /** Verifies what connection_init presented, as the HTTP path does. */
  identify: (credentials: Credentials, ip: string) => Promise<Caller>;
  /** A current token for an API key (exchanged again when the cached one nears expiry; throws once the key is revoked). */
  tokenForKey: (apiKey: string, ip: string) => Promise<string>;
  /** Counts a subscribe message against the caller's rate, as an HTTP request is; the seconds to wait when over it, else null. */
  countRequest: (principal: Principal) => Promise<number | null>;
  /** Runs a query through the gateway as this caller. */
  runQuery: (caller: Caller, query: string, variables: Record<string, unknown>) => Promise<QueryAnswer>;
  revocations: RevocationList;
  queryLimits: QueryLimits;
  maxTokens: number;
  perCaller: number;
  /** Claims one of the caller's `perCaller` places, counted across every replica (CallerSubscriptions); null when none is left. */
  claimSubscription: (caller: string, max: number) => Promise<SubscriptionClaim | null>;
  bufferSize: number;
  exposeStack: boolean;
  logger: Logger;
}

/** One authenticated socket. */
interface Connection {
  caller: Caller & { principal: Principal };
  apiKey: string | null;
  tokenVersion: number;
  /** Epoch ms when a bearer token expires (null for API keys, whose tokens are renewed). */
  expiresAt: number | null;
  budget: ConnectionBudget;
  socket: WebSocket;
}

export interface SubscriptionServer {
  /** Open WebSocket connections that passed connection_init. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * graphql-ws on the gateway's /graphql path. A connection is authenticated
 * once, at connection_init, with the HTTP path's credentials; it is closed
 * within RECHECK_MS of its token's revocation or expiry. Each subscription
 * listens on the hub; each event is answered by a query run as the
 * subscriber (Subscriber), so access rules and federation are the queries'.
 */
export function serveSubscriptions(options: SubscriptionServerOptions): SubscriptionServer {
  const { hub, logger } = options;
  const connections = new Map<WebSocket, Connection>();
  const wss = new WebSocketServer({ server: options.httpServer, path: '/graphql' });

  const close = (connection: Connection, code: number, reason: string) => {
    if (!connections.delete(connection.socket)) return;
    logger.info({ code, reason, principal: connection.caller.principal.id }, 'subscription connection closed by the gateway');
    connection.socket.close(code, reason);
  };

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const connection of connections.values()) {
      const p = connection.caller.principal;
      if (options.revocations.refuses(p.id, connection.tokenVersion, p.tenantId))
        close(connection, CLOSE.REVOKED, 'access revoked (roles changed, user deactivated, API key revoked or tenant disabled)');
      else if (connection.expiresAt !== null && now >= connection.expiresAt)
        close(connection, CLOSE.UNAUTHENTICATED, 'access token expired; reconnect with a fresh one');
    }
  }, RECHECK_MS);
  sweep.unref();

  /** The query, as the connection's caller, with a current token; identical queries for one event run once. */
  const inFlight = new Map<string, Promise<QueryAnswer>>();
  const runAs =
    (connection: Connection) =>
    async (followUp: FollowUp, eventId: string): Promise<QueryAnswer> => {
      const caller = connection.caller;
      if (connection.apiKey) {
        try {
          caller.token = await options.tokenForKey(connection.apiKey, caller.ip);
        } catch {
          close(connection, CLOSE.REVOKED, 'API key revoked');
          throw new CredentialsGone();
        }
      }
      if (!connections.has(connection.socket)) throw new CredentialsGone();
      const key = `${eventId}\n${caller.token}\n${followUp.query}\n${JSON.stringify(followUp.variables)}`;
      let answer = inFlight.get(key);
      if (!answer) {
        answer = options.runQuery({ ...caller }, followUp.query, followUp.variables).finally(() => inFlight.delete(key));
        inFlight.set(key, answer);
      }
      return answer;
    };

  const server = useServer(
    {
      // Nothing here comes from a default: every subscribe message goes through onSubscribe.
      schema: undefined,
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const ip = ctx.extra.request.socket.remoteAddress ?? 'unknown';
        const credentials = credentialsOf(ctx.connectionParams);
        let caller: Caller;
        try {
          caller = await options.identify(credentials, ip);
        } catch (err) {
          socket.close(CLOSE.UNAUTHENTICATED, limitReason(`Unauthorized: ${(err as Error).message}`));
          return false;
        }
        if (!caller.principal) {
          socket.close(
            CLOSE.UNAUTHENTICATED,
            'Unauthorized: send { authorization: "Bearer <token>" } or { "x-api-key": "<key>" } in connection_init',
          );
          return false;
        }
        const claims = decodeJwt(caller.token as string);
        const connection: Connection = {
          caller: caller as Connection['caller'],
          apiKey: credentials.authorization ? null : (credentials.apiKey ?? null),
          tokenVersion: typeof claims.ver === 'number' ? claims.ver : 0,
          expiresAt: credentials.authorization && typeof claims.exp === 'number' ? claims.exp * 1000 : null,
          budget: new ConnectionBudget(options.bufferSize, () =>
            close(connection, CLOSE.SLOW_CONSUMER, `slow consumer: more than ${options.bufferSize} results were not read`),
          ),
          socket,
        };
        connections.set(socket, connection);
        return true;
      },
      onClose: (ctx) => {
        connections.delete(ctx.extra.socket);
      },
      onSubscribe: async (ctx, _id, payload) => {
        const connection = connections.get(ctx.extra.socket);
        if (!connection) return [new GraphQLError('connection is closing', { extensions: { code: 'UNAUTHENTICATED' } })];
        try {
          return await subscribe(connection, payload);
        } catch (err) {
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
      },
      // The queue onSubscribe prepared; its results carry errors formatted by the HTTP path already, sent as they are (onNext).
      subscribe: (args) => args.contextValue as AsyncIterable<ExecutionResult>,
      onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatApiError(e.toJSON(), { exposeStack: options.exposeStack }, e)),
    },
    wss,
  );

  async function subscribe(
    connection: Connection,
    payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  ) {
    const schema = options.schema();
    if (!schema) throw new GraphQLError('the gateway is starting; retry', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxTokens: options.maxTokens });
    } catch (err) {
      throw new GraphQLError((err as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) return invalid;
    const operation = getOperationAST(document, payload.operationName);
    if (!operation) throw badUserInput('operationName', 'name the one operation to run');
    if (operation.operation !== 'subscription')
      throw badUserInput('query', 'only subscriptions are served over WebSocket; send queries and mutations over HTTP');
    const variableValues = payload.variables ?? {};
    enforceQueryLimits(schema, document, operation, variableValues, options.queryLimits, false);
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variableValues);
    if (coerced.errors) return coerced.errors;
    const fieldNode = operation.selectionSet.selections[0];
    if (operation.selectionSet.selections.length !== 1 || fieldNode.kind !== Kind.FIELD)
      throw badUserInput('query', 'select one subscription field directly (not through a fragment)');
    const fieldName = fieldNode.name.value;
    const field = SUBSCRIPTION_FIELDS[fieldName];
    const fieldDef = schema.getSubscriptionType()?.getFields()[fieldName];
    if (!field || !fieldDef) throw badUserInput('query', `no subscription ${fieldName}`);

    const principal = connection.caller.principal;
    const retryAfter = await options.countRequest(principal);
    if (retryAfter !== null) throw rateLimited(`rate limit exceeded; retry in ${retryAfter} s`, retryAfter);
    const refusal = field.refusal(principal);
    if (refusal) throw forbidden(refusal);
    const callerKey = `${principal.tenantId}:${principal.kind}:${principal.id}`;
    const claim = await options.claimSubscription(callerKey, options.perCaller).catch((err: unknown) => {
      // The count lives in Redis: without it no place can be granted, and that is ours to fix, not the caller's.
      logger.error({ err }, 'could not claim a subscription place');
      throw new GraphQLError('subscriptions are unavailable for a moment; retry', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
    });
    if (!claim)
      throw new GraphQLError(`at most ${options.perCaller} subscriptions per caller; complete one first`, {
        extensions: { code: 'RATE_LIMITED', limit: options.perCaller },
      });

    const plan: SubscriptionPlan = {
      field,
      fieldNode,
      responseKey: fieldNode.alias?.value ?? fieldName,
      operation,
      fragments: Object.fromEntries(
        document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
      ),
      variables: coerced.coerced,
      args: getArgumentValues(fieldDef, fieldNode, coerced.coerced),
      deliversNull: !isNonNullType(fieldDef.type),
    };
    let stopListening = () => undefined as void;
    const queue = new ResultQueue<SubscriptionResult>(connection.budget, () => {
      stopListening();
      claim.release();
    });
    const subscriber = new Subscriber(plan, principal, queue, runAs(connection), (err, event) =>
      logger.error({ err, eventId: event.id, type: event.type, subscription: fieldName }, 'a subscription event could not be answered'),
    );
    // Listening before the access check: an event during the check is queued, not missed.
    stopListening = hub.listen(field.keyOf(principal, plan.args), subscriber);
    const contactId = field.mustRead?.(plan.args);
    if (contactId) {
      const check = await options.runQuery({ ...connection.caller }, 'query ($id: ID!) { contact(id: $id) { id } }', { id: contactId });
      const contact = (check.data as { contact?: unknown } | null | undefined)?.contact;
      if (!contact) {
        queue.end();
        const first = check.errors?.[0];
        throw first ? new GraphQLError(first.message, { extensions: first.extensions }) : notFound('Contact', contactId);
      }
    }
    return { schema, document, operationName: payload.operationName, variableValues, contextValue: queue };
  }

  return {
    get connections() {
      return connections.size;
    },
    async close() {
      clearInterval(sweep);
      for (const connection of [...connections.values()]) close(connection, CLOSE.GOING_AWAY, 'the gateway is shutting down');
      await server.dispose();
    },
  };
}

/** A WebSocket close reason is at most 123 bytes. */
function limitReason(reason: string): string {
  return Buffer.byteLength(reason) <= 123 ? reason : `${Buffer.from(reason).subarray(0, 120).toString()}…`.slice(0, 100);
}

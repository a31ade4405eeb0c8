import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { signForwardedCaller } from '@rapport/auth';
import type { Logger } from '@rapport/observability';
import { parse } from 'graphql';
import type { Caller } from './auth/caller';
import { cacheableFetch } from './read-cache/cacheable-fetch';
import type { ReadCache } from './read-cache/read-cache';
import { fetchErrorPaths } from './subgraph-errors/fetch-fields';
import { DEFAULT_MAX_SOCKETS, subgraphFetcher } from './subgraph-fetcher';
import { errorsWithBody, subgraphFailureCode, type SubgraphFailureCode } from './subgraph-errors/subgraph-failure';

/** A fetch of a client's operation (not a health check or schema load). */
type IncomingOperation = Extract<GraphQLDataSourceProcessOptions<Caller>, { incomingRequestContext: unknown }>;

export interface SubgraphDataSourceOptions {
  name: string;
  url: string;
  /** A call (request and response body) that takes longer is aborted and answered with TIMEOUT errors. */
  timeoutMs: number;
  logger: Logger;
  /** GATEWAY_SECRET: signs the caller's address on each fetch (empty: nothing is forwarded). */
  gatewaySecret: string;
  /** The HTTP client (default: a keep-alive pool of its own, subgraph-fetcher.ts); the gateway shares one across subgraphs. */
  fetcher?: RemoteGraphQLDataSource<Caller>['fetcher'];
  /** Answers to queries kept until their tenant changes (ADR 080); absent: every fetch goes to the subgraph. */
  readCache?: ReadCache;
}

type ProcessResult = Awaited<ReturnType<RemoteGraphQLDataSource<Caller>['process']>>;

/**
 * Forwards the caller's access token and request id to the subgraph. The
 * token is the only identity a subgraph accepts, and it verifies it again.
 * The caller's address goes along signed with GATEWAY_SECRET, so the
 * subgraph's own rate limit counts the caller, not the gateway, and a direct
 * caller cannot claim an address or pass for the gateway.
 *
 * A subgraph that is down or slow costs only the fields this fetch was meant
 * to fill: instead of throwing (which @apollo/gateway turns into one pathless
 * error and a null parent), the fetch answers with no data and one error per
 * field, which the gateway re-paths to where each field sits in the response.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<Caller> {
  private readonly name: string;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly gatewaySecret: string;
  private readonly readCache: ReadCache | undefined;

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url });
    this.name = options.name;
    this.gatewaySecret = options.gatewaySecret;
    this.timeoutMs = options.timeoutMs;
    this.logger = options.logger;
    this.readCache = options.readCache;
    const fetcher = options.fetcher ?? subgraphFetcher({ maxSockets: DEFAULT_MAX_SOCKETS });
    this.fetcher = (url, init) => fetcher(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<Caller>): void {
    const caller = context as Partial<Caller> | undefined;
    if (caller?.token) request.http?.headers.set('authorization', `Bearer ${caller.token}`);
    if (caller?.requestId) request.http?.headers.set('x-request-id', caller.requestId);
    if (this.gatewaySecret && caller?.ip) {
      for (const [name, value] of Object.entries(signForwardedCaller(this.gatewaySecret, caller.ip)))
        request.http?.headers.set(name, value);
    }
  }

  override async process(options: GraphQLDataSourceProcessOptions<Caller>): Promise<ProcessResult> {
    const cache = this.readCache;
    if (!cache || !('incomingRequestContext' in options)) return this.fetch(options);
    const caller = options.context as Partial<Caller>;
    const tenantId = caller.principal?.tenantId;
    // A mutation is never kept; what it wrote the service dropped from the cache at its commit, before it answered (ADR 084).
    if (options.incomingRequestContext.operation?.operation !== 'query') return this.fetch(options);
    // Subscription follow-ups run without readCache: they must read the change their event announced.
    if (!caller.readCache || !caller.token || !tenantId) return this.fetch(options);
    if (!cacheableFetch(options.request.query, options.request.variables)) return this.fetch(options);
    const generation = await cache.generationOf(options.context, tenantId);
    if (generation === null) {
      cache.bypassed();
      return this.fetch(options);
    }
    const { query = '', variables } = options.request;
    const key = cache.key(generation, tenantId, caller.token, this.name, query, variables);
    const kept = cache.lookup<ProcessResult>(key);
    if (kept) return kept;
    return cache.once(key, async () => {
      const answer = await this.fetch(options);
      // Errors (a denied field, a failed subgraph) and partial answers are never kept: the next request asks again.
      if (answer.data && !answer.errors?.length) cache.keep(key, { data: answer.data });
      return answer;
    });
  }

  private async fetch(options: GraphQLDataSourceProcessOptions<Caller>): Promise<ProcessResult> {
    try {
      return await super.process(options);
    } catch (error) {
      if (!('incomingRequestContext' in options)) throw error;
      const passed = errorsWithBody(error);
      if (passed) return { errors: passed };
      const code = subgraphFailureCode(error);
      if (!code) throw error;
      // Once per failed fetch (the request id comes from the log context), not once per field.
      this.logger.warn(
        { subgraph: this.name, code, error: (error as Error).message, path: options.pathInIncomingRequest },
        'subgraph call failed',
      );
      return { errors: this.fieldErrors(options, code) };
    }
  }

  private fieldErrors(options: IncomingOperation, code: SubgraphFailureCode) {
    const message =
      code === 'TIMEOUT' ? `Subgraph "${this.name}" did not answer within ${this.timeoutMs} ms` : `Subgraph "${this.name}" is unavailable`;
    const extensions = { code, service: this.name };
    const document = options.document ?? parse(options.request.query ?? '{ __typename }');
    const paths = fetchErrorPaths(document, options.request.variables?.representations);
    // A fetch with no field to blame (it asked only __typename) still reports its failure once.
    return paths.length > 0 ? paths.map((path) => ({ message, path, extensions })) : [{ message, extensions }];
  }
}

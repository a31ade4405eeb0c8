import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Caller } from './auth/caller';

/**
 * Forwards the caller's access token and request id to the subgraph. The
 * token is the only identity a subgraph accepts, and it verifies it again.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<Caller> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<Caller>): void {
    const caller = context as Partial<Caller> | undefined;
    if (caller?.token) request.http?.headers.set('authorization', `Bearer ${caller.token}`);
    if (caller?.requestId) request.http?.headers.set('x-request-id', caller.requestId);
  }
}

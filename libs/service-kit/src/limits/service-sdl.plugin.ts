import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind } from 'graphql';
import type { GraphQLRequestContext } from '../graphql.config';
import type { PlatformConfig } from '../service-config';
import { callerOrigin } from './caller-origin';

/**
 * `_service { sdl }` is the subgraph's whole schema, introspection by
 * another name. The gateway never asks for it at run time (it loads the
 * supergraph `npm run compose` built from the SDL files), so production
 * serves it only to requests the gateway signed (GATEWAY_SECRET) and
 * refuses everyone else, token or not, as it refuses introspection.
 */
export function serviceSdlPlugin(config: PlatformConfig): ApolloServerPlugin<GraphQLRequestContext> {
  const production = config.NODE_ENV === 'production';
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          if (!production || !operation) return;
          const asksSdl = operation.selectionSet.selections.some((s) => s.kind === Kind.FIELD && s.name.value === '_service');
          if (asksSdl && !callerOrigin(contextValue.req, config.GATEWAY_SECRET).viaGateway) {
            throw new GraphQLError('_service is served only to the gateway', { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
          }
        },
      };
    },
  };
}

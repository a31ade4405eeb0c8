import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApolloGateway } from '@apollo/gateway';
import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import { execute, extendSchema, Kind, parse, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';

type GatewayInterface = ApolloServerOptionsWithGateway<never>['gateway'];

export const SUBSCRIPTION_SDL = readFileSync(join(__dirname, 'subscription.graphql'), 'utf8');

/** The supergraph's API schema with the gateway's own Subscription type, whose fields return the federated types. */
export function withSubscriptions(apiSchema: GraphQLSchema): GraphQLSchema {
  return extendSchema(apiSchema, parse(SUBSCRIPTION_SDL));
}

/** Only `__schema`, `__type` and `__typename` at the root: nothing for the query planner. */
export function isIntrospectionOnly(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'));
}

/**
 * @apollo/gateway plans queries and mutations over the supergraph and knows
 * no subscriptions. Wrapped, it serves the API schema extended with the
 * gateway's Subscription type (docs/adr/036-subs-graphql-subscriptions.md):
 * Apollo Server validates against it and clients see `subscriptionType` in
 * introspection, which is answered here from that schema (the gateway's own
 * executor would answer from its schema, without the type). Everything else
 * goes to the gateway's executor unchanged.
 */
export class SubscribableGateway implements GatewayInterface {
  private served: GraphQLSchema | null = null;

  constructor(private readonly gateway: ApolloGateway) {}

  /** The schema clients are served (null before the supergraph is loaded). */
  get schema(): GraphQLSchema | null {
    return this.served;
  }

  onSchemaLoadOrUpdate(callback: Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0]) {
    return this.gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
      this.served = withSubscriptions(apiSchema);
      callback({ apiSchema: this.served, coreSupergraphSdl });
    });
  }

  async load(options: Parameters<GatewayInterface['load']>[0]): ReturnType<GatewayInterface['load']> {
    const { executor } = await this.gateway.load(options);
    if (!executor) return { executor };
    return {
      executor: async (context) => {
        if (!this.served || !isIntrospectionOnly(context.operation)) return executor(context);
        return execute({
          schema: this.served,
          document: context.document,
          operationName: context.operationName,
          variableValues: context.request.variables,
          contextValue: context.context,
        });
      },
    };
  }

  stop(): Promise<void> {
    return this.gateway.stop();
  }
}

import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { parse, type GraphQLInputObjectType, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { SUPERGRAPH_PATH } from '../gateway-server';
import { isIntrospectionOnly, SubscribableGateway } from './served-schema';

const operation = (source: string) => parse(source).definitions[0] as OperationDefinitionNode;

describe('the served schema', () => {
  let served: GraphQLSchema;
  let announced: GraphQLSchema | undefined;

  beforeAll(async () => {
    const gateway = new SubscribableGateway(new ApolloGateway({ supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8') }));
    gateway.onSchemaLoadOrUpdate(({ apiSchema }) => (announced = apiSchema));
    await gateway.load({ apollo: {} });
    served = gateway.schema as GraphQLSchema;
    await gateway.stop();
  });

  it('is the schema announced to Apollo Server (which validates against it)', () => {
    expect(announced).toBe(served);
  });

  it('has the Subscription root, its fields returning the federated types', () => {
    const fields = served.getSubscriptionType()?.getFields() ?? {};
    expect(Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, String(f.type)]))).toEqual({
      contactChanged: 'Contact',
      caseUpdated: 'Case!',
      customerValueChanged: 'CustomerValue',
      myNotifications: 'ServiceNotification!',
    });
  });

  it('documents every Subscription field, argument and input field (the schema is the documentation)', () => {
    const subscription = served.getSubscriptionType();
    const filter = served.getType('CaseUpdatedFilter') as GraphQLInputObjectType;
    const described: [string, string | null | undefined][] = [
      ['Subscription', subscription?.description],
      ['CaseUpdatedFilter', filter.description],
      ...Object.values(subscription?.getFields() ?? {}).flatMap((f): [string, string | null | undefined][] => [
        [f.name, f.description],
        ...f.args.map((a): [string, string | null | undefined] => [`${f.name}(${a.name})`, a.description]),
      ]),
      ...Object.values(filter.getFields()).map((f): [string, string | null | undefined] => [`CaseUpdatedFilter.${f.name}`, f.description]),
    ];
    expect(described.filter(([, description]) => !description?.trim()).map(([name]) => name)).toEqual([]);
  });

  it('answers only pure introspection itself', () => {
    expect(isIntrospectionOnly(operation('{ __schema { subscriptionType { name } } __typename }'))).toBe(true);
    expect(isIntrospectionOnly(operation('{ __schema { queryType { name } } me { id } }'))).toBe(false);
  });
});

import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { KnownOperationTypesRule } from './known-operation-types';

const schema = buildSchema('type Query { a: Int } type Mutation { b: Int }');
const errorsOf = (query: string) => validate(schema, parse(query), [...specifiedRules, KnownOperationTypesRule]);

describe('KnownOperationTypesRule', () => {
  it('refuses an operation type the schema has no root for, naming the query', () => {
    const [error, ...rest] = errorsOf('subscription { a }');
    expect(rest).toEqual([]);
    expect(error.message).toBe('The subscription operation is not supported by the schema.');
    expect(error.extensions).toEqual({ field: 'query' });
  });

  it('accepts queries and mutations the schema has', () => {
    expect(errorsOf('query Q { a } mutation M { b }')).toEqual([]);
  });
});

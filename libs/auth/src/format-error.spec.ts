import { GraphQLError } from 'graphql';
import { fieldFromMessage, formatApiError } from './format-error';

describe('formatApiError', () => {
  it('names the field of a variable coercion error', () => {
    const out = formatApiError(
      {
        message: 'Variable "$input" got invalid value 123 at "input.firstName"; String cannot represent a non string value: 123',
        extensions: { code: 'BAD_USER_INPUT' },
      },
      { exposeStack: false },
    );
    expect(out.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.firstName' });
  });

  it('turns validation failures about unknown fields into BAD_USER_INPUT', () => {
    const out = formatApiError(
      { message: 'Field "nickname" is not defined by type "CreateContactInput".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      { exposeStack: false },
    );
    expect(out.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'nickname' });
  });

  it('keeps every problem of a multi-problem input error', () => {
    const problems = [
      { field: 'rule.and[0].field', message: 'unknown field' },
      { field: 'rule.and[1].value', message: 'expected a number' },
    ];
    const out = formatApiError(
      { message: 'rule.and[0].field: unknown field', extensions: { code: 'BAD_USER_INPUT', field: problems[0].field, problems } },
      { exposeStack: false },
    );
    expect(out.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'rule.and[0].field', problems });
  });

  it('hides internal errors and their stack', () => {
    const out = formatApiError(
      { message: 'relation "contacts" does not exist', extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x'] } },
      { exposeStack: false },
    );
    expect(out).toEqual({ message: 'Internal server error', path: undefined, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('keeps client error codes and their extra fields', () => {
    const out = formatApiError(
      { message: 'Contact x not found', extensions: { code: 'NOT_FOUND', type: 'Contact', id: 'x' } },
      { exposeStack: false },
    );
    expect(out.extensions).toEqual({ code: 'NOT_FOUND', type: 'Contact', id: 'x' });
  });

  it("keeps a down or slow subgraph's code, path and service, and drops the gateway's serviceName", () => {
    for (const code of ['SERVICE_UNAVAILABLE', 'TIMEOUT']) {
      const out = formatApiError(
        {
          message: 'Subgraph "service" is unavailable',
          path: ['contact', 'cases'],
          extensions: { code, service: 'service', serviceName: 'service' },
        },
        { exposeStack: false },
      );
      expect(out).toEqual({
        message: 'Subgraph "service" is unavailable',
        locations: undefined,
        path: ['contact', 'cases'],
        extensions: { code, service: 'service' },
      });
    }
  });

  it("drops the gateway's serviceName from a subgraph's client errors", () => {
    const out = formatApiError(
      { message: 'Forbidden', path: ['contact', 'cases'], extensions: { code: 'FORBIDDEN', serviceName: 'service' } },
      { exposeStack: false },
    );
    expect(out.extensions).toEqual({ code: 'FORBIDDEN' });
  });

  it('finds required-field names', () => {
    expect(fieldFromMessage('Field "CreateContactInput.lastName" of required type "String!" was not provided.')).toBe('lastName');
  });
});

describe('fieldFromMessage for variables', () => {
  it('names a required field missing from a variable', () => {
    expect(
      fieldFromMessage(
        'Variable "$input" got invalid value { firstName: "A" }; Field "lastName" of required type "String!" was not provided.',
      ),
    ).toBe('lastName');
  });
});

describe('formatApiError for malformed requests', () => {
  it.each([
    ['OPERATION_RESOLUTION_FAILURE', 'Must provide operation name if query contains multiple operations.', 'operationName'],
    ['BAD_REQUEST', 'Can only perform a mutation operation from a POST request.', 'method'],
    ['BAD_REQUEST', 'Operation batching disabled.', 'body'],
    ['BAD_REQUEST', 'GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.', 'query'],
  ])('turns %s (%s) into BAD_USER_INPUT on %s', (code, message, field) => {
    expect(formatApiError({ message, extensions: { code } }, { exposeStack: false }).extensions).toEqual({ code: 'BAD_USER_INPUT', field });
  });
});

describe('formatApiError for requests Apollo refuses without a code', () => {
  // Apollo Server raises this with an HTTP 400 but no code, and then stamps INTERNAL_SERVER_ERROR on it.
  const unsupportedVersion = new GraphQLError('Unsupported persisted query version', { extensions: { http: { status: 400 } } });

  it('turns an unsupported persisted-query version into BAD_USER_INPUT on extensions.persistedQuery', () => {
    const out = formatApiError(
      { message: unsupportedVersion.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      { exposeStack: false },
      unsupportedVersion,
    );
    expect(out.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'extensions.persistedQuery' });
  });

  it('turns graphql-js giving up on variables after 50 problems into BAD_USER_INPUT on variables', () => {
    const message = 'Too many errors processing variables, error limit reached. Execution aborted.';
    const out = formatApiError(
      { message, extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      { exposeStack: false },
      new GraphQLError(message),
    );
    expect(out).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT', field: 'variables' } });
  });

  it('still hides a fault without a code and without a 4xx status', () => {
    const fault = new GraphQLError('connection terminated');
    const out = formatApiError({ message: fault.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, { exposeStack: false }, fault);
    expect(out.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });
});

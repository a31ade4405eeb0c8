/**
 * The benches' raw GraphQL calls: they build their queries as text (one
 * selection per field, generated load), which the typed documents of
 * @rapport/sdk do not fit. Refusals throw with the first error's code.
 */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export async function gql<T>(url: string, query: string, variables: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) {
    throw new GatewayError(
      body.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '),
      body.errors[0].extensions?.code ?? 'ERROR',
    );
  }
  return body.data as T;
}

export async function loginToken(url: string, login: { tenant: string; email: string; password: string }): Promise<string> {
  const LOGIN = `mutation ($i: LoginInput!) { login(input: $i) { accessToken } }`;
  return (await gql<{ login: { accessToken: string } }>(url, LOGIN, { i: login })).login.accessToken;
}

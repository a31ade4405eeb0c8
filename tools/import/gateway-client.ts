/**
 * What the import CLIs share: calling the gateway's GraphQL endpoint and
 * getting a token (RAPPORT_TOKEN, or a login with --tenant/--email/--password).
 */
export interface GatewayConnection {
  url: string;
  token?: string;
  login?: { tenant: string; email: string; password: string };
}

const LOGIN = `mutation ($i: LoginInput!) { login(input: $i) { accessToken } }`;

export async function gql<T>(url: string, query: string, variables: unknown, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '));
  return body.data as T;
}

export async function loginToken(url: string, login: { tenant: string; email: string; password: string }): Promise<string> {
  return (await gql<{ login: { accessToken: string } }>(url, LOGIN, { i: login })).login.accessToken;
}

/** The connection's token, signing in when only a login was given. */
export async function accessToken(connection: GatewayConnection): Promise<string> {
  const token = connection.token ?? (connection.login ? await loginToken(connection.url, connection.login) : undefined);
  if (!token) throw new Error('set RAPPORT_TOKEN or pass --tenant, --email and --password');
  return token;
}

/** --url / RAPPORT_GATEWAY_URL, and RAPPORT_TOKEN unless --tenant, --email and --password are all given. */
export function connectionFromFlags(flags: Record<string, string>, env: NodeJS.ProcessEnv): GatewayConnection {
  const login =
    flags.tenant && flags.email && flags.password ? { tenant: flags.tenant, email: flags.email, password: flags.password } : undefined;
  return {
    url: flags.url ?? env.RAPPORT_GATEWAY_URL ?? 'http://localhost:4000/graphql',
    token: login ? undefined : env.RAPPORT_TOKEN,
    login,
  };
}

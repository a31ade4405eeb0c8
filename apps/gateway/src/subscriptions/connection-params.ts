import type { Credentials } from '../auth/caller';

/**
 * The credentials a graphql-ws client sends in its connection_init payload,
 * named as the HTTP headers are: `{ authorization: 'Bearer <token>' }` or
 * `{ 'x-api-key': '<key>' }` (`Authorization` and `apiKey` are accepted too).
 */
export function credentialsOf(payload: Readonly<Record<string, unknown>> | undefined): Credentials {
  const text = (...keys: string[]) => {
    for (const key of keys) {
      const value = payload?.[key];
      if (typeof value === 'string' && value.length > 0) return value;
    }
    return null;
  };
  return { authorization: text('authorization', 'Authorization'), apiKey: text('x-api-key', 'apiKey') };
}

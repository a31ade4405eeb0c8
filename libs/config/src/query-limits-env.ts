import { env } from './env';

/**
 * The limits on what one request may ask, read alike by the gateway and every
 * subgraph: a subgraph called directly must refuse what the gateway refuses
 * (docs/adr/017-query-limits-everywhere.md).
 */
export const queryLimitsEnv = {
  MAX_QUERY_DEPTH: env.int({ default: 12, min: 2, max: 50, description: 'deepest selection allowed' }),
  MAX_QUERY_COST: env.int({ default: 20_000, min: 10, description: 'largest estimated cost allowed (fields × page sizes)' }),
  ANON_MAX_QUERY_COST: env.int({
    default: 500,
    min: 10,
    description: 'largest estimated cost allowed for a caller without a token (signing in, introspection in development)',
  }),
  MAX_QUERY_ALIASES: env.int({ default: 100, min: 1, description: 'most aliased fields in one operation' }),
  MAX_QUERY_TOKENS: env.int({
    default: 10_000,
    min: 100,
    description: 'most lexical tokens in one document; parsing stops there, before validation spends time on a flood',
  }),
  MAX_BODY_BYTES: env.int({
    default: 1_048_576,
    min: 1024,
    max: 100 * 1_048_576,
    description: 'largest request body accepted; larger ones are answered 413',
  }),
};

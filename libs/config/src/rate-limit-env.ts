import { env } from './env';

/**
 * Per-caller rates, read alike by the gateway and every subgraph: a caller
 * that reaches a subgraph directly is limited there as at the gateway
 * (users and API keys per principal, anonymous callers per IP).
 */
export const rateLimitEnv = {
  RATE_LIMIT_PER_MINUTE: env.int({ default: 1200, min: 1, description: 'operations per minute per user or API key' }),
  ANON_RATE_LIMIT_PER_MINUTE: env.int({ default: 60, min: 1, description: 'operations per minute per IP for anonymous calls (login)' }),
};

/**
 * The per-IP rate of the links in marketing messages (unsubscribe, opens,
 * clicks, confirmations): read by the gateway, which forwards them under
 * /m/*, and by marketing, which serves them and limits direct callers the
 * same way. Higher than the anonymous API rate: recipients behind one
 * company's address all open the same campaign.
 */
export const linkRateLimitEnv = {
  LINK_RATE_LIMIT_PER_MINUTE: env.int({
    default: 600,
    min: 1,
    description: 'requests per minute per IP on /m/* (links in marketing messages: unsubscribe, opens, clicks, confirmations)',
  }),
};

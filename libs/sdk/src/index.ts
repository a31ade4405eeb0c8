/** @rapport/sdk: a typed client of the Rapport GraphQL API (see README.md beside this folder). */
export { createRapportClient, type HttpCall, type RapportClient, type RapportClientOptions, type RapportResult } from './client';
export { isRapportError, RapportError, type RapportErrorCode, type RapportGraphQLError } from './errors';
export type { RapportLogin, TokenPair } from './session';
export type { SubscriptionEvent } from './subscriptions';
export { verifyWebhook, WebhookVerificationError, type RapportWebhookEvent } from './webhooks';
export * from './generated/graphql';

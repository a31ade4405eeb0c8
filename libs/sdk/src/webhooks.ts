/**
 * Verifying a Rapport webhook on the partner's side: Standard Webhooks
 * (`webhook-id`, `webhook-timestamp` within 5 minutes, `webhook-signature`
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed with the endpoint's
 * `whsec_…` secret; two signatures while a secret rotates, either may match).
 * Verify the raw body exactly as received, before any JSON parsing.
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/** What a webhook delivers: the platform's event envelope (fields the endpoint's creator may not read are absent). */
export interface RapportWebhookEvent<TData = Record<string, unknown>> {
  /** The event id; also the `webhook-id` header, the same on every retry (deduplicate by it). */
  id: string;
  /** e.g. `sales.contact.created`. */
  type: string;
  version: number;
  tenantId: string;
  occurredAt: string;
  actor: { kind: 'user' | 'apiKey' | 'customer' | 'system'; id: string | null };
  subjectId: string;
  data: TData;
}

export { WebhookVerificationError };

/**
 * The verified event, or a WebhookVerificationError (bad or missing signature,
 * timestamp too old or in the future). `secrets`: the endpoint's secret, or
 * several (e.g. the old and the new one of a rotation on your side).
 */
export function verifyWebhook<TData = Record<string, unknown>>(
  secrets: string | readonly string[],
  headers: Record<string, string | string[] | undefined> | Headers,
  body: string | Buffer,
): RapportWebhookEvent<TData> {
  const header = (name: string): string => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return Array.isArray(value) ? value.join(' ') : (value ?? '');
  };
  const flat = {
    'webhook-id': header('webhook-id'),
    'webhook-timestamp': header('webhook-timestamp'),
    'webhook-signature': header('webhook-signature'),
  };
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  let refusal: unknown = new WebhookVerificationError('no secret given');
  for (const secret of list) {
    try {
      return new Webhook(secret).verify(body, flat) as RapportWebhookEvent<TData>;
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err;
      refusal = err;
    }
  }
  throw refusal;
}

import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/**
 * Standard Webhooks (https://www.standardwebhooks.com/): `webhook-id`,
 * `webhook-timestamp` (seconds, within 5 minutes of now) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
 * several separated by spaces while a secret rotates), keyed with the
 * `whsec_<base64>` secret. The body is the raw message, so it is verified
 * as bytes and never parsed as JSON. Returns the webhook id, or the reason
 * it is refused.
 */
export function verifyInboundWebhook(
  secret: string,
  body: Buffer,
  headers: Record<string, string | string[] | undefined>,
): { ok: true; id: string } | { ok: false; reason: string } {
  const flat: Record<string, string> = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const value = headers[name];
    if (typeof value === 'string') flat[name] = value;
  }
  try {
    new Webhook(secret).verify(body, flat, { jsonParse: false });
    return { ok: true, id: flat['webhook-id'] };
  } catch (err) {
    if (err instanceof WebhookVerificationError) return { ok: false, reason: err.message };
    throw err;
  }
}

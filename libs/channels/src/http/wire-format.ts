import type { PushMessage, SmsMessage } from '../message';

/**
 * The JSON a Rapport HTTP provider channel POSTs (README: "HTTP provider
 * wire format"). Version 1; fields are only ever added.
 */
export interface ProviderRequestBody {
  /** Our message id; also sent as the Idempotency-Key header and echoed in receipts. */
  messageId: string;
  channel: 'SMS' | 'PUSH';
  /** E.164 number (SMS) or device token (PUSH). */
  to: string;
  text: string;
  /** PUSH only. */
  title?: string;
  /** PUSH only: key/value data for the app. */
  data?: Record<string, string>;
  metadata?: Record<string, string>;
  /** Where the provider should POST delivery receipts for this message. */
  callbackUrl?: string;
}

export function requestBody(
  channel: 'SMS' | 'PUSH',
  message: SmsMessage | PushMessage,
  callbackUrl: string | undefined,
): ProviderRequestBody {
  const push = channel === 'PUSH' ? (message as PushMessage) : undefined;
  return {
    messageId: message.messageId,
    channel,
    to: message.to,
    text: message.text,
    ...(push?.title !== undefined ? { title: push.title } : {}),
    ...(push?.data !== undefined ? { data: push.data } : {}),
    ...(message.metadata !== undefined ? { metadata: message.metadata } : {}),
    ...(callbackUrl !== undefined ? { callbackUrl } : {}),
  };
}

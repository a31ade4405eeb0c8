/**
 * What the marketing service hands a channel, and what it gets back. One
 * message goes to one recipient: per-recipient results (sent, bounced) are
 * only unambiguous that way.
 */
export type ChannelKind = 'EMAIL' | 'SMS' | 'PUSH';

interface MessageBase {
  /**
   * Our id for this message (a UUID from the sends table). It travels with the
   * message (Message-ID, X-Rapport-Message-Id, the provider's idempotency key)
   * so bounces and delivery receipts can be matched back to the send.
   */
  messageId: string;
  /** Email address, E.164 phone number, or push device token. */
  to: string;
  /**
   * Correlation data for the provider and for whoever reads the raw message
   * later (tenant, campaign, variant…). Email: one `X-Rapport-Meta-<Key>`
   * header per entry; HTTP providers: the request's `metadata` object.
   */
  metadata?: Record<string, string>;
}

export interface EmailMessage extends MessageBase {
  subject: string;
  /** At least one of text and html; both make a multipart/alternative message. */
  text?: string;
  html?: string;
  /**
   * Where an unsubscribe lands without login. Sets List-Unsubscribe and,
   * for an https URL, List-Unsubscribe-Post (RFC 8058 one-click): the URL
   * must then accept a POST with body `List-Unsubscribe=One-Click`.
   */
  unsubscribeUrl?: string;
  /** Extra headers such as Feedback-ID; they cannot replace the ones the channel sets. */
  headers?: Record<string, string>;
}

export interface SmsMessage extends MessageBase {
  text: string;
}

export interface PushMessage extends MessageBase {
  title?: string;
  text: string;
  /** Custom key/value data delivered to the app with the notification. */
  data?: Record<string, string>;
}

export type SendResult = SentResult | BouncedResult;

/** The provider took the message; delivery receipts may follow. */
export interface SentResult {
  status: 'SENT';
  /** The provider's id, which its delivery receipts name (for SMTP: the Message-ID we set). */
  providerMessageId: string;
  /** The provider's answer as it was, e.g. `250 2.0.0 Ok: queued as 4BC1F1`. */
  response?: string;
}

/**
 * The provider refused this message for good (unknown mailbox, invalid
 * number, unregistered device): sending it again would get the same answer.
 */
export interface BouncedResult {
  status: 'BOUNCED';
  /** The provider's own words, e.g. `550 5.1.1 <ada@example.com>: user unknown`. */
  reason: string;
  /** SMTP reply code with its enhanced status (`550 5.1.1`), or the HTTP status (`410`). */
  code: string;
}

export interface SendOptions {
  /** Gives up on the send (a BullMQ job being stopped); the send then fails as transient. */
  signal?: AbortSignal;
}

/** One way of reaching a customer. */
export interface Channel<M> {
  readonly kind: ChannelKind;
  /**
   * Resolves with SENT or BOUNCED; rejects with a TransientChannelError to
   * retry later, a ChannelConfigurationError when our own setup is wrong, or
   * an InvalidMessageError when the message itself is malformed.
   */
  send(message: M, options?: SendOptions): Promise<SendResult>;
  /** Stops taking messages, waits for the ones in flight, releases connections. */
  close(): Promise<void>;
}

import { ChannelConfigurationError, InvalidMessageError } from '../errors';
import { InFlight } from '../in-flight';
import type { Channel, PushMessage, SendOptions, SendResult, SmsMessage } from '../message';
import { checkMessageId, checkMetadata, checkSingleLine, checkText, deviceTokenProblem, phoneNumberProblem } from '../validation';
import { classifyFetchFailure, classifyProviderResponse } from './provider-response';
import { requestBody } from './wire-format';

export interface HttpProviderChannelOptions {
  /** The provider (or the bridge to it) that takes POSTs in the wire format, http or https. */
  url: string;
  apiKey: string;
  /** `authorization` (default) sends `Bearer <key>`; any other header name gets the bare key, e.g. `x-api-key`. */
  apiKeyHeader?: string;
  /** Milliseconds before a request is given up as transient; default 10 000. */
  timeoutMs?: number;
  /** Sent with every message as `callbackUrl`: where delivery receipts should go. */
  callbackUrl?: string;
}

type Kind = 'SMS' | 'PUSH';

/**
 * SMS or push through an HTTP provider: POSTs one JSON message (see
 * README "HTTP provider wire format") and reads the provider's id from the
 * answer. 2xx → SENT, 4xx with a reason → BOUNCED, 429/5xx/timeouts →
 * TransientChannelError, a refused key or a provider not speaking the format
 * → ChannelConfigurationError.
 */
export class HttpProviderChannel<M extends SmsMessage | PushMessage> implements Channel<M> {
  private readonly inFlight: InFlight;
  private readonly endpoint: URL;
  private readonly timeoutMs: number;
  /** The provider URL without credentials or query, for messages. */
  readonly provider: string;

  private constructor(
    readonly kind: Kind,
    private readonly options: HttpProviderChannelOptions,
  ) {
    this.endpoint = providerUrl(kind, options.url);
    this.provider = `${kind} provider ${this.endpoint.origin}${this.endpoint.pathname}`;
    if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '')
      throw new ChannelConfigurationError(`${kind} provider API key is empty`);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs <= 0)
      throw new ChannelConfigurationError(`${kind} provider timeoutMs must be a positive integer`);
    this.inFlight = new InFlight(`${kind} channel`);
  }

  static sms(options: HttpProviderChannelOptions): HttpProviderChannel<SmsMessage> {
    return new HttpProviderChannel<SmsMessage>('SMS', options);
  }

  static push(options: HttpProviderChannelOptions): HttpProviderChannel<PushMessage> {
    return new HttpProviderChannel<PushMessage>('PUSH', options);
  }

  send(message: M, options: SendOptions = {}): Promise<SendResult> {
    return this.inFlight.run(async () => {
      this.check(message);
      const problem = this.kind === 'SMS' ? phoneNumberProblem(message.to) : deviceTokenProblem(message.to);
      if (problem !== null) return { status: 'BOUNCED', reason: problem, code: this.kind === 'SMS' ? 'INVALID_NUMBER' : 'INVALID_TOKEN' };
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
      let status: number;
      let body: unknown;
      let retryAfter: string | null;
      try {
        const response = await fetch(this.endpoint, {
          method: 'POST',
          headers: this.headers(message.messageId),
          body: JSON.stringify(requestBody(this.kind, message, this.options.callbackUrl)),
          redirect: 'error',
          signal,
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        body = parseJson(await response.text());
      } catch (err) {
        throw classifyFetchFailure(this.provider, err, this.timeoutMs);
      }
      const outcome = classifyProviderResponse(this.provider, status, body, retryAfter);
      if (outcome instanceof Error) throw outcome;
      return outcome;
    });
  }

  close(): Promise<void> {
    return this.inFlight.drain();
  }

  private headers(messageId: string): Record<string, string> {
    const name = (this.options.apiKeyHeader ?? 'authorization').toLowerCase();
    return {
      'content-type': 'application/json',
      accept: 'application/json',
      'idempotency-key': messageId,
      [name]: name === 'authorization' ? `Bearer ${this.options.apiKey}` : this.options.apiKey,
    };
  }

  private check(message: SmsMessage | PushMessage): void {
    checkMessageId(message.messageId);
    checkText('text', message.text, { required: true });
    checkMetadata(message.metadata);
    if (this.kind !== 'PUSH') return;
    const push = message as PushMessage;
    if (push.title !== undefined) {
      checkText('title', push.title, { required: true });
      checkSingleLine('title', push.title);
    }
    for (const [key, value] of Object.entries(push.data ?? {})) {
      if (typeof value !== 'string') throw new InvalidMessageError(`data.${key}`, 'must be a string');
    }
  }
}

function providerUrl(kind: Kind, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ChannelConfigurationError(`${kind} provider URL is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ChannelConfigurationError(`${kind} provider URL must be http or https`);
  if (url.username !== '' || url.password !== '')
    throw new ChannelConfigurationError(`${kind} provider URL must not carry credentials; use the API key`);
  return url;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export type { BouncedResult, Channel, ChannelKind, EmailMessage, PushMessage, SendOptions, SendResult, SentResult, SmsMessage } from './message';
export { ChannelConfigurationError, ChannelError, InvalidMessageError, isRetryable, TransientChannelError } from './errors';

export type {
  BouncedResult,
  Channel,
  ChannelKind,
  EmailMessage,
  PushMessage,
  SendOptions,
  SendResult,
  SentResult,
  SmsMessage,
} from './message';
export { ChannelConfigurationError, ChannelError, InvalidMessageError, isRetryable, TransientChannelError } from './errors';
export { EmailChannel } from './email/email-channel';
export type { EmailChannelOptions } from './email/email-channel';
export { MESSAGE_ID_HEADER, METADATA_HEADER_PREFIX, messageIdFromHeader, messageIdHeader } from './email/compose-email';
export { HttpProviderChannel } from './http/http-provider-channel';
export type { HttpProviderChannelOptions } from './http/http-provider-channel';
export type { ProviderRequestBody } from './http/wire-format';
export { parseDeliveryReceipt, ReceiptRejectedError, SIGNATURE_HEADER, signReceipt, verifyReceiptSignature } from './http/delivery-receipt';
export type { DeliveryReceipt, DeliveryStatus } from './http/delivery-receipt';
export { channelsConfig, channelsEnv, emailFromEnv, loadChannelsConfig, smtpUrlEnv } from './config/channels-env';
export type { ChannelsConfig, ChannelsEnv } from './config/channels-env';
export { startDevMailbox } from './dev-mailbox/dev-mailbox';
export type { DevMailbox, DevMailboxOptions } from './dev-mailbox/dev-mailbox';
export { startDevProvider } from './dev-provider/dev-provider';
export type { DevProvider, DevProviderOptions } from './dev-provider/dev-provider';

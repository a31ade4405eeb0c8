export { SmtpSink } from './smtp-sink';
export type { ReceivedEmail, Rejection, SmtpSinkOptions } from './smtp-sink';
export { HttpProvider } from './http-provider';
export type { HttpProviderOptions, ProviderReply, ProviderRequest, ReceiptInput } from './http-provider';

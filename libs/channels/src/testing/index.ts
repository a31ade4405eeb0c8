export { SmtpSink } from './smtp-sink';
export type { ReceivedEmail, Rejection, SmtpSinkOptions } from './smtp-sink';

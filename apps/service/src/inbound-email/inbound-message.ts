/** One inbound email, as either entry point (SMTP, provider webhook) hands it to the ingest. */
export interface InboundMessage {
  /** The Message-ID header without angle brackets; a digest of the message when it has none. */
  messageId: string;
  from: { address: string; name: string | null } | null;
  /** Where it was delivered: the SMTP envelope's RCPT TO, or the message's To/Cc/Delivered-To for a webhook. */
  recipients: string[];
  /** The envelope sender (MAIL FROM or Return-Path): '' for the null sender of bounces; null when not known. */
  returnPath: string | null;
  subject: string;
  /** Plain text (mailparser turns an HTML-only message into text). */
  text: string;
  /** Header values as written, unfolded, by lower-case name (the first of repeated ones). */
  headers: Record<string, string>;
  attachments: InboundAttachment[];
}

export interface InboundAttachment {
  fileName: string;
  contentType: string;
  size: number;
  content: Buffer;
}

export type InboundVia = 'SMTP' | 'WEBHOOK';

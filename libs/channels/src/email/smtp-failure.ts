import { ChannelConfigurationError, TransientChannelError } from '../errors';
import type { BouncedResult } from '../message';

/** The fields nodemailer puts on its errors (see NodemailerError in nodemailer's errors.d.ts). */
export interface SmtpFailure {
  name?: string;
  message: string;
  code?: string;
  originalCode?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  permanent?: boolean;
}

/** Our side is wrong: credentials, TLS set-up, options. */
const CONFIGURATION_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ECONFIG', 'ETLS', 'EREQUIRETLS']);
/** Node's TLS verdicts on the server's certificate or protocol: a wrong CA, host name or port, not a network hiccup. */
const TLS_SETUP_CODE = /CERT|SELF_SIGNED|UNABLE_TO_|^ERR_TLS_|^ERR_SSL_/;
/** The connection, not the message, failed: another attempt may well go through. */
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EPROXY', 'EABORT', 'EMAXLIMIT']);
/** Replies to these commands are about the message or its recipient. */
const MESSAGE_COMMANDS = new Set(['RCPT TO', 'DATA', 'BDAT']);

/**
 * What a failed SMTP send means for the caller:
 * - a permanent (5xx) refusal of the recipient or the content → BOUNCED with
 *   the server's reply;
 * - a 4xx reply, a connection failure or a timeout → TransientChannelError;
 * - a refused sender or login, a certificate or TLS set-up failure, or a 5xx
 *   to any other command →
 *   ChannelConfigurationError (not the recipient's fault).
 * Anything else is not an SMTP failure and comes back as it was.
 */
export function classifySmtpFailure(err: SmtpFailure): BouncedResult | Error {
  const reply = err.response?.trim() || err.message;
  if ((err.code !== undefined && CONFIGURATION_CODES.has(err.code)) || TLS_SETUP_CODE.test(err.originalCode ?? '')) {
    return new ChannelConfigurationError(`SMTP ${describe(err)} failed: ${reply}`, replyCode(err) ?? err.originalCode ?? err.code, {
      cause: err,
    });
  }
  if (typeof err.responseCode === 'number') {
    const code = replyCode(err) ?? String(err.responseCode);
    const permanent = err.permanent ?? isPermanentReply(err.responseCode);
    if (!permanent) return new TransientChannelError(`SMTP server deferred ${describe(err)}: ${reply}`, code, { cause: err });
    if (err.command !== undefined && MESSAGE_COMMANDS.has(err.command)) return { status: 'BOUNCED', reason: reply, code };
    return new ChannelConfigurationError(`SMTP server refused ${describe(err)}: ${reply}`, code, { cause: err });
  }
  if ((err.code !== undefined && CONNECTION_CODES.has(err.code)) || err.name === 'AbortError') {
    return new TransientChannelError(`SMTP connection failed: ${err.message}`, err.originalCode ?? err.code, { cause: err });
  }
  return err as Error;
}

/** RFC 5321: 5yz is a permanent negative reply, 4yz a transient one; 503 (bad sequence) is the session's state, not the message. */
export function isPermanentReply(responseCode: number): boolean {
  return responseCode >= 500 && responseCode < 600 && responseCode !== 503;
}

/** `550 5.1.1` from `550 5.1.1 <ada@example.com>: user unknown`: the reply code and, when the server sent one, its enhanced status. */
export function replyCode(err: Pick<SmtpFailure, 'response' | 'responseCode'>): string | undefined {
  if (err.responseCode === undefined) return undefined;
  const enhanced = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(err.response?.trim() ?? '');
  return enhanced ? `${err.responseCode} ${enhanced[1]}` : String(err.responseCode);
}

function describe(err: SmtpFailure): string {
  return err.command && err.command !== 'CONN' ? err.command : 'connection';
}

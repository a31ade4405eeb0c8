import type { Socket } from 'node:net';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import { smtpData } from './smtp-data';

/** What the session sends: an envelope and the message text already written. */
export interface PipelineMessage {
  from: string;
  to: string[];
  raw: string | Buffer;
}

/** nodemailer's error shape (its `_formatError`), which classifySmtpFailure reads. */
export interface SmtpError extends Error {
  code: string;
  command?: string;
  response?: string;
  responseCode?: number;
  permanent?: boolean;
  originalCode?: string;
}

export interface PipelineHooks<M extends PipelineMessage> {
  /** The next message for this connection, asked for when a text goes out so its envelope goes in the same write. */
  next(): M | undefined;
  /** A message's outcome; `written`: some of its text may have reached the server. */
  settle(message: M, err: SmtpError | null, response: string | null, written: boolean): void;
  /** Every reply is in: the session takes a new message (`send`). */
  idle(): void;
  /** The connection is gone (each message still on it was settled first). */
  closed(): void;
}

interface Flight<M> {
  message: M;
  written: boolean;
  settled: boolean;
  mailError: SmtpError | null;
  rejected: SmtpError[];
  accepted: number;
}

type Expected<M> =
  { kind: 'MAIL' | 'RCPT' | 'DATA' | 'TEXT'; flight: Flight<M> } | { kind: 'END'; flight: Flight<M>; err: SmtpError } | { kind: 'RSET' };

/** The parts of nodemailer's SMTPConnection the session takes over (not in its typed API). */
interface ConnectionInternals {
  _socket?: Socket;
  _supportedExtensions?: string[];
  _responseActions?: unknown[];
  _onSocketData?: (...args: unknown[]) => void;
  _onSocketTimeout?: (...args: unknown[]) => void;
  _onSocketClose?: (...args: unknown[]) => void;
  _onSocketEnd?: (...args: unknown[]) => void;
  _onSocketError?: (...args: unknown[]) => void;
}

/**
 * The sending half of an SMTP session, on a connection nodemailer set up
 * (greeting, EHLO, STARTTLS, AUTH) and whose server offers PIPELINING
 * (RFC 2920). nodemailer sends a message as its envelope (MAIL, RCPT, DATA
 * in one write), then after 354 the text, then waits for the 250 before the
 * next envelope: two writes and two round trips a message, and on loopback
 * a write costs the sender about what composing the message does (ADR 085).
 * Here the text of one message, its terminating dot and the next message's
 * envelope go in one write — RFC 2920 lets the text start a command group —
 * so a busy connection costs one write and one round trip per message
 * (ADR 092). The commands, their replies and the errors (codes, commands,
 * replies as nodemailer's `_formatError` builds them) are nodemailer's; the
 * text is dot-stuffed as its DataStream does (smtp-data.ts).
 *
 * Replies come back in the order the commands went; each is matched to what
 * it answers. A refused envelope fails its message and the session is reset
 * (RSET) before the next; a refused text fails its message (its transaction
 * ended with that reply). A 421, a broken or silent connection fails what is
 * on it: a message whose text had not been written is reported as such, so
 * the pool may send it elsewhere.
 */
export class PipelinedSession<M extends PipelineMessage> {
  private readonly expected: Expected<M>[] = [];
  private readonly flights = new Set<Flight<M>>();
  private remainder = '';
  private lines: string[] = [];
  private gone = false;

  private constructor(
    private readonly socket: Socket,
    private readonly smtpUtf8: boolean,
    private readonly hooks: PipelineHooks<M>,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: Error) => this.fail(smtpError(err, 'ESOCKET', undefined, 'CONN')));
    socket.once('close', () => this.fail(smtpError(new Error('Connection closed unexpectedly'), 'ECONNECTION', undefined, 'CONN')));
    socket.once('end', () => this.fail(smtpError(new Error('Connection closed unexpectedly'), 'ECONNECTION', undefined, 'CONN')));
    // nodemailer set the idle timeout (socketTimeout) on the socket; its expiry now ends the session here.
    socket.on('timeout', () => this.fail(smtpError(new Error('Timeout'), 'ETIMEDOUT', undefined, 'CONN')));
  }

  /**
   * Takes the socket of an idle, logged-in connection whose server offers
   * PIPELINING; null (the connection stays nodemailer's) if it does not, or
   * if this nodemailer version keeps its socket differently.
   */
  static adopt<M extends PipelineMessage>(connection: SMTPConnection, hooks: PipelineHooks<M>): PipelinedSession<M> | null {
    const c = connection as unknown as ConnectionInternals;
    const socket = c._socket;
    const listeners = [
      ['data', c._onSocketData],
      ['timeout', c._onSocketTimeout],
      ['close', c._onSocketClose],
      ['end', c._onSocketEnd],
      ['error', c._onSocketError],
    ] as const;
    if (
      !socket ||
      typeof socket.cork !== 'function' ||
      !Array.isArray(c._supportedExtensions) ||
      !c._supportedExtensions.includes('PIPELINING') ||
      !Array.isArray(c._responseActions) ||
      c._responseActions.length > 0 ||
      listeners.some(([event, fn]) => typeof fn !== 'function' || !socket.listeners(event).includes(fn))
    )
      return null;
    for (const [event, fn] of listeners) socket.removeListener(event, fn as (...args: unknown[]) => void);
    return new PipelinedSession(socket, c._supportedExtensions.includes('SMTPUTF8'), hooks);
  }

  /** Starts a message on the idle session: its envelope goes out now. */
  send(message: M): void {
    const commands = this.envelope(message);
    if (commands !== null) this.socket.write(commands);
    // Refused before a byte went out: still idle.
    else queueMicrotask(() => !this.gone && this.expected.length === 0 && this.hooks.idle());
  }

  /** Says goodbye once idle (maxMessages reached); the server closes. */
  quit(): void {
    this.gone = true;
    this.socket.end('QUIT\r\n');
    this.hooks.closed();
  }

  /** Drops the connection; what is on it fails as a closed connection. */
  destroy(): void {
    this.fail(smtpError(new Error('Connection closed'), 'ECONNECTION', undefined, 'CONN'));
  }

  /** MAIL, RCPT and DATA for a message, their replies expected; null (and the message settled) if it cannot be sent. */
  private envelope(message: M): string | null {
    const flight: Flight<M> = { message, written: false, settled: false, mailError: null, rejected: [], accepted: 0 };
    this.flights.add(flight);
    const from = String(message.from ?? '').trim();
    const to = message.to.map((t) => String(t ?? '').trim());
    const badTo = to.find((t) => !t || /[\r\n<>]/.test(t));
    // nodemailer's checks of an envelope before it writes any of it.
    const invalid =
      to.length === 0
        ? 'No recipients defined'
        : /[\r\n<>]/.test(from)
          ? `Invalid sender ${JSON.stringify(from)}`
          : badTo !== undefined
            ? `Invalid recipient ${JSON.stringify(badTo)}`
            : null;
    if (invalid !== null) {
      this.settle(flight, smtpError(new Error(invalid), 'EENVELOPE', undefined, 'API'));
      return null;
    }
    const utf8 = this.smtpUtf8 && [from, ...to].some((a) => NON_ASCII.test(a));
    let commands = `MAIL FROM:<${from}>${utf8 ? ' SMTPUTF8' : ''}\r\n`;
    this.expected.push({ kind: 'MAIL', flight });
    for (const t of to) {
      commands += `RCPT TO:<${t}>\r\n`;
      this.expected.push({ kind: 'RCPT', flight });
    }
    this.expected.push({ kind: 'DATA', flight });
    return `${commands}DATA\r\n`;
  }

  private onData(chunk: Buffer): void {
    if (this.gone) return;
    const data = this.remainder + chunk.toString('binary');
    const lines = data.split(/\r?\n/);
    this.remainder = lines.pop() as string;
    if (this.remainder.length > MAX_REPLY)
      return this.fail(smtpError(new Error('Server response exceeds maximum allowed size'), 'EPROTOCOL', undefined, 'CONN'));
    for (const line of lines) {
      if (this.gone) return;
      // nodemailer skips an empty line between replies.
      if (this.lines.length === 0 && !line.trim()) continue;
      this.lines.push(line);
      // `250-…` continues a multi-line reply; `250 …` ends it.
      if (/^\d+-/.test(line)) continue;
      const reply = decodeReply(this.lines.join('\n'));
      this.lines = [];
      this.onReply(reply);
    }
    if (!this.gone && this.expected.length === 0) this.hooks.idle();
  }

  private onReply(reply: string): void {
    const e = this.expected.shift();
    if (!e) return this.fail(smtpError(new Error('Unexpected reply'), 'EPROTOCOL', reply, 'CONN'));
    const positive = reply.charAt(0) === '2';
    switch (e.kind) {
      case 'MAIL':
        if (!positive) e.flight.mailError = smtpError(new Error('Mail command failed'), 'EENVELOPE', reply, 'MAIL FROM');
        break;
      case 'RCPT':
        if (positive) e.flight.accepted++;
        else e.flight.rejected.push(smtpError(new Error('Recipient command failed'), 'EENVELOPE', reply, 'RCPT TO'));
        break;
      case 'DATA':
        this.onData354(e.flight, reply);
        break;
      case 'TEXT':
        if (positive) this.settle(e.flight, null, reply);
        else this.settle(e.flight, smtpError(new Error('Message failed'), 'EMESSAGE', reply, 'DATA'));
        break;
      case 'END':
        this.settle(e.flight, e.err);
        this.reset();
        break;
      case 'RSET':
        if (!positive) this.fail(smtpError(new Error(`Could not reset session state. response=${reply}`), 'EPROTOCOL', reply, 'RSET'));
        break;
    }
    // 421: the server is closing the connection (RFC 5321 4.2); what else is on it fails as nodemailer fails it then.
    if (/^421[ -]/.test(reply))
      this.fail((f) => f.mailError ?? smtpError(new Error('Server closed the connection'), 'ECONNECTION', reply, 'CONN'));
  }

  /** The reply to DATA decides the envelope, as nodemailer's `_actionDATA` does for a pipelined one. */
  private onData354(flight: Flight<M>, reply: string): void {
    const refused = flight.mailError ?? (flight.accepted > 0 ? null : allRejected(flight));
    if (refused) {
      if (/^3/.test(reply)) {
        // DATA taken without a sender: nothing to end, and the server cannot be trusted with an empty message.
        if (flight.mailError) {
          this.settle(flight, refused);
          return this.destroy();
        }
        // DATA taken without an accepted recipient: end the empty message (it has nobody to go to).
        this.expected.push({ kind: 'END', flight, err: refused });
        this.socket.write('.\r\n');
        return;
      }
      this.settle(flight, refused);
      return this.reset();
    }
    if (!/^[23]/.test(reply)) {
      this.settle(flight, smtpError(new Error('Data command failed'), 'EENVELOPE', reply, 'DATA'));
      return this.reset();
    }
    flight.written = true;
    this.expected.push({ kind: 'TEXT', flight });
    const text = smtpData(flight.message.raw);
    // The next message's envelope rides along with this text.
    let next: string | null = null;
    while (next === null) {
      const m = this.hooks.next();
      if (m === undefined) break;
      next = this.envelope(m);
    }
    if (next === null) this.socket.write(text);
    else if (typeof text === 'string') this.socket.write(text + next);
    else {
      this.socket.cork();
      this.socket.write(text);
      this.socket.write(next);
      this.socket.uncork();
    }
  }

  /** After a refused envelope: the session back to its initial state before the next message (as nodemailer's pool does). */
  private reset(): void {
    this.expected.push({ kind: 'RSET' });
    this.socket.write('RSET\r\n');
  }

  private settle(flight: Flight<M>, err: SmtpError | null, response: string | null = null): void {
    if (flight.settled) return;
    flight.settled = true;
    this.flights.delete(flight);
    this.hooks.settle(flight.message, err, response, flight.written);
  }

  /** The connection is done for: closed, and every message still on it settled with the error. */
  private fail(err: SmtpError | ((flight: Flight<M>) => SmtpError)): void {
    // After QUIT: a server that neither answers nor closes is cut off at the idle timeout.
    if (this.gone) return void this.socket.destroy();
    this.gone = true;
    this.expected.length = 0;
    this.socket.destroy();
    for (const flight of [...this.flights]) this.settle(flight, typeof err === 'function' ? err(flight) : err);
    this.hooks.closed();
  }
}

const NON_ASCII = /[\x80-\uFFFF]/;
/** nodemailer's limit on a reply line being received. */
const MAX_REPLY = 64 * 1024;

/** Every recipient refused: the deferred reply if there is one (a retry may get through), else the last refusal. */
function allRejected<M>(flight: Flight<M>): SmtpError {
  const deferred = flight.rejected.find((e) => e.responseCode !== undefined && e.responseCode < 500);
  const reply = deferred?.response ?? flight.rejected[flight.rejected.length - 1]?.response;
  return smtpError(new Error("Can't send mail - all recipients were rejected"), 'EENVELOPE', reply, 'RCPT TO');
}

/** A reply read as bytes, as UTF-8 when it is valid UTF-8 (nodemailer's decodeServerResponse). */
function decodeReply(reply: string): string {
  const utf8 = Buffer.from(reply, 'binary').toString('utf8');
  return utf8.includes('\uFFFD') ? reply : utf8;
}

/** nodemailer's `_formatError`: the code (a system error's own kept as originalCode), the reply and its code, the command. */
export function smtpError(err: Error, code: string, response: string | undefined, command: string): SmtpError {
  const e = err as SmtpError;
  if (e.code && e.code !== code && !e.originalCode) e.originalCode = e.code;
  e.code = code;
  if (response) {
    e.response = response;
    e.message += `: ${response}`;
    const responseCode = Number(/^\d+/.exec(response)?.[0] ?? 0);
    if (responseCode) {
      e.responseCode = responseCode;
      e.permanent = responseCode >= 500 && responseCode < 600 && responseCode !== 503;
    }
  }
  e.command = command;
  return e;
}

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { PipelinedSession } from './smtp-pipeline';

/** What goes on the wire for one message: the envelope, and the RFC 5322 text already written. */
export interface PooledMessage {
  from: string;
  to: string[];
  raw: string | Buffer;
  signal?: AbortSignal;
}

export interface SmtpPoolOptions {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
  requireTLS: boolean;
  tls?: SMTPConnection.Options['tls'];
  connectionTimeout: number;
  greetingTimeout: number;
  socketTimeout: number;
  maxConnections: number;
  /** Messages per connection before it is replaced. */
  maxMessages: number;
}

interface Queued extends PooledMessage {
  resolve(info: SMTPConnection.SentMessageInfo): void;
  reject(err: unknown): void;
  /** Handed back once already (a reused connection dropped before a byte of it went out). */
  requeued: boolean;
  /** Taken by a connection that had sent before (set when taken). */
  reused: boolean;
}

/** One pooled connection: `busy` while connecting, sending or resetting. */
interface Slot {
  connection: SMTPConnection;
  /** The session is up (greeting, EHLO, TLS, login done). */
  ready: boolean;
  busy: boolean;
  closed: boolean;
  messages: number;
  /** The pipelined sending session once the connection is up, when its server offers PIPELINING (ADR 092). */
  session: PipelinedSession<Queued> | null;
}

/** A dropped connection, a timeout, or a 421 (the server closes): another connection may well succeed. */
const connectionTrouble = (err: SMTPConnection.SMTPError): boolean =>
  err.responseCode === 421 || err.code === 'ECONNECTION' || err.code === 'ESOCKET' || err.code === 'ETIMEDOUT';

/**
 * A pool of nodemailer `SMTPConnection`s that sends messages already written
 * out. nodemailer's own pool (`createTransport({ pool: true })`) wraps each
 * message — even a `raw` one — in a MailMessage and a MIME node and streams it
 * through a pipeline with an AbortSignal: in marketing's profile that, with
 * its extra socket writes, was the largest cost of a campaign message
 * (ADR 083). Here a message is its envelope and its text, handed to the
 * connection's `send` as one string; the connection's set-up (greeting, EHLO,
 * STARTTLS, AUTH, timeouts) is still nodemailer's. When the server offers
 * PIPELINING, the sending itself then goes through a PipelinedSession on the
 * connection's socket (one write a message, ADR 092); otherwise through
 * nodemailer's `send` (pipelined MAIL/RCPT/DATA, dot-stuffing, the error
 * objects with their codes and replies).
 *
 * As nodemailer's pool does: a connection refused a message (envelope or
 * content) is reset and reused; one that failed otherwise is closed; a
 * message a reused connection lost before sending it is queued again once;
 * a connection is replaced after `maxMessages`; one the server closes while
 * idle is dropped. When no connection can be made, every waiting message
 * fails with the connection's error.
 */
export class SmtpPool {
  private readonly queue: Queued[] = [];
  private readonly slots = new Set<Slot>();
  private closed = false;

  constructor(private readonly options: SmtpPoolOptions) {}

  send(message: PooledMessage): Promise<SMTPConnection.SentMessageInfo> {
    if (message.signal?.aborted) return Promise.reject(abortError());
    return new Promise((resolve, reject) => {
      this.queue.push({ ...message, resolve, reject, requeued: false, reused: false });
      this.dispatch();
    });
  }

  /** Connects (and logs in) once on a connection of its own, then says goodbye. */
  verify(): Promise<void> {
    return new Promise((resolve, reject) => {
      const connection = this.connection();
      let done = false;
      const finish = (err?: unknown) => {
        if (done) return;
        done = true;
        if (err) {
          connection.close();
          reject(err);
        } else {
          connection.quit();
          resolve();
        }
      };
      connection.once('error', finish);
      this.open(connection, finish);
    });
  }

  /** Closes every connection; messages still waiting fail (the channel drains its sends first). */
  close(): void {
    this.closed = true;
    for (const slot of this.slots) this.drop(slot, true);
    const err = Object.assign(new Error('SMTP pool closed'), { code: 'ECONNECTION' });
    for (const q of this.queue.splice(0)) q.reject(err);
  }

  private dispatch(): void {
    if (this.closed) return;
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.busy && !slot.closed) this.sendOn(slot);
    }
    // New connections only for messages no connecting one will take.
    const connecting = [...this.slots].filter((s) => !s.ready).length;
    let wanted = this.queue.length - connecting;
    while (wanted-- > 0 && this.slots.size < this.options.maxConnections) this.connect();
  }

  private connect(): void {
    const slot: Slot = { connection: this.connection(), ready: false, busy: true, closed: false, messages: 0, session: null };
    this.slots.add(slot);
    slot.connection.on('error', (err: SMTPConnection.SMTPError) => {
      // A send's callback gets its own error; an error before the session is up fails the waiting messages below.
      if (!slot.ready) this.failed(slot, err);
    });
    slot.connection.once('end', () => {
      if (slot.closed) return;
      this.drop(slot, false);
      this.dispatch();
    });
    this.open(slot.connection, (err) => {
      if (err) return this.failed(slot, err);
      slot.ready = true;
      slot.busy = false;
      slot.session = this.pipelined(slot);
      this.dispatch();
    });
  }

  /** A connection that could not be set up: the messages waiting fail with its error unless another connection is up. */
  private failed(slot: Slot, err: unknown): void {
    if (slot.closed) return;
    this.drop(slot, true);
    // Not retried here: the caller's retry (with its backoff) decides when to try again.
    if (this.slots.size === 0) for (const q of this.queue.splice(0)) q.reject(err);
  }

  private sendOn(slot: Slot): void {
    const q = this.queue.shift() as Queued;
    if (q.signal?.aborted) {
      q.reject(abortError());
      return this.dispatch();
    }
    slot.busy = true;
    const reused = slot.messages > 0;
    slot.messages++;
    if (slot.session) {
      q.reused = reused;
      return slot.session.send(q);
    }
    const text = new MessageText(q.raw, socketOf(slot.connection));
    slot.connection.send({ from: q.from, to: q.to }, text as unknown as Readable, (err, info) => {
      if (!err) {
        q.resolve(info);
        return this.release(slot);
      }
      if (reused && !q.requeued && !text.written && connectionTrouble(err)) {
        // The server dropped an idle connection: the message never left, another connection takes it.
        q.requeued = true;
        this.queue.unshift(q);
        this.drop(slot, true);
        return this.dispatch();
      }
      q.reject(err);
      if ((err.code === 'EENVELOPE' || err.code === 'EMESSAGE') && err.responseCode !== 421) {
        // Refused this message; the session is fine once reset.
        slot.connection.reset((resetErr) => (resetErr ? this.drop(slot, true) : this.release(slot)));
        return;
      }
      this.drop(slot, true);
      this.dispatch();
    });
  }

  /**
   * Takes the connection's socket for pipelined sending (smtp-pipeline.ts) when
   * its server offers PIPELINING; the pool's rules stay as above: a message
   * lost with its text unwritten on a reused connection is queued again once,
   * one whose text went out fails, a refused one is reset past, and the
   * connection is replaced after maxMessages.
   */
  private pipelined(slot: Slot): PipelinedSession<Queued> | null {
    return PipelinedSession.adopt<Queued>(slot.connection, {
      next: () => {
        // The next waiting message rides along with the text going out, while this connection may take more.
        // An aborted one stops that: it is dropped when the connection is next free, as `sendOn` drops it.
        const q = this.queue[0];
        if (!q || q.signal?.aborted || this.closed || slot.closed || slot.messages >= this.options.maxMessages) return undefined;
        this.queue.shift();
        q.reused = true;
        slot.messages++;
        return q;
      },
      settle: (q, err, response, written) => {
        if (!err) return q.resolve({ accepted: q.to, rejected: [], response } as unknown as SMTPConnection.SentMessageInfo);
        if (q.reused && !q.requeued && !written && connectionTrouble(err)) {
          // Never left: another connection takes it (the pool dispatches once this one is dropped).
          q.requeued = true;
          this.queue.unshift(q);
          return;
        }
        q.reject(err);
      },
      idle: () => this.release(slot),
      closed: () => {
        this.drop(slot, true);
        this.dispatch();
      },
    });
  }

  private release(slot: Slot): void {
    if (slot.closed) return this.dispatch();
    if (slot.messages >= this.options.maxMessages) {
      this.drop(slot, false);
      return this.dispatch();
    }
    slot.busy = false;
    this.dispatch();
  }

  private drop(slot: Slot, abruptly: boolean): void {
    if (!this.slots.delete(slot)) return;
    slot.closed = true;
    if (slot.session) {
      if (abruptly) slot.session.destroy();
      else slot.session.quit();
    } else if (abruptly) slot.connection.close();
    else slot.connection.quit();
  }

  private connection(): SMTPConnection {
    const o = this.options;
    return new SMTPConnection({
      host: o.host,
      port: o.port,
      secure: o.secure,
      requireTLS: o.requireTLS,
      tls: o.tls,
      connectionTimeout: o.connectionTimeout,
      greetingTimeout: o.greetingTimeout,
      socketTimeout: o.socketTimeout,
      logger: false,
    });
  }

  /** Connects, and logs in when the URL has credentials and the server offers AUTH (as nodemailer's pool does). */
  private open(connection: SMTPConnection, done: (err?: unknown) => void): void {
    connection.connect((err) => {
      if (err) return done(err);
      const auth = this.options.auth;
      if (!auth || !(connection as unknown as { allowsAuth: boolean }).allowsAuth) return done();
      connection.login({ credentials: { user: auth.user, pass: auth.pass } }, (loginErr) => done(loginErr ?? undefined));
    });
  }
}

/** The connection's socket (nodemailer keeps it in `_socket`; undefined if a version stops doing so). */
function socketOf(connection: SMTPConnection): Socket | undefined {
  const socket = (connection as unknown as { _socket?: Socket })._socket;
  return typeof socket?.cork === 'function' ? socket : undefined;
}

/**
 * The message text as `SMTPConnection.send` takes a stream: it calls `pipe`
 * once the server said 354 to DATA, so `written` tells whether any of the
 * text can have reached the server (nodemailer's errors say `CONN` for a
 * dropped connection at any stage). Written to the connection's data stream
 * in one piece, as it writes a string. An EventEmitter with `destroy`,
 * because a closing connection detaches from and destroys its message
 * stream (smtp-pool.integration-spec breaks if nodemailer asks more of it).
 *
 * nodemailer's data stream hands the socket the dot-stuffed text and then
 * the terminating dot as two writes, each a system call and (no Nagle) a
 * TCP segment of its own; on loopback a write costs the sender about as much
 * as the receiver's read (ADR 085). The socket is corked while they are
 * written and uncorked on the next tick — after the data stream's pipe,
 * which starts flowing on a tick queued before, passed both on — so they
 * leave in one `writev`. The bytes and their order are nodemailer's.
 */
class MessageText extends EventEmitter {
  written = false;

  constructor(
    private readonly raw: string | Buffer,
    private readonly socket: Socket | undefined,
  ) {
    super();
  }

  pipe(target: Writable): void {
    this.written = true;
    const socket = this.socket;
    socket?.cork();
    target.end(this.raw);
    if (socket) process.nextTick(() => socket.uncork());
  }

  destroy(): void {
    this.removeAllListeners();
  }
}

function abortError(): Error {
  return Object.assign(new Error('The send was aborted'), { name: 'AbortError', code: 'EABORT' });
}

import { Socket, createServer, type AddressInfo } from 'node:net';
import { SmtpPool, type SmtpPoolOptions } from './smtp-pool';

/**
 * A scripted SMTP server (PIPELINING, plain TCP) whose misbehaviour a test
 * chooses: refusing a recipient or a text, closing a connection after a
 * message's text without answering it, or closing every idle connection.
 */
async function scriptedServer() {
  const sockets = new Set<Socket>();
  const received: { to: string; text: string }[] = [];
  let sessions = 0;
  const refuse = new Set<string>();
  const dropAfterText = new Set<string>();
  const refuseText = new Set<string>();
  const server = createServer((socket) => {
    sessions++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setEncoding('latin1');
    let buffer = '';
    let inData = false;
    let to = '';
    socket.write('220 scripted ESMTP\r\n');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let out = '';
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end === -1) break;
          const text = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          if (dropAfterText.has(to)) {
            received.push({ to, text });
            socket.destroy();
            return;
          }
          if (refuseText.has(to)) {
            out += '554 5.6.0 content refused\r\n';
            continue;
          }
          received.push({ to, text });
          out += '250 2.0.0 queued\r\n';
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol === -1) break;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') out += '250-scripted\r\n250 PIPELINING\r\n';
        else if (verb === 'RCPT') {
          to = /<(.*)>/.exec(line)?.[1] ?? '';
          out += refuse.has(to) ? '550 5.1.1 no such user\r\n' : '250 2.1.5 ok\r\n';
        } else if (verb === 'DATA') {
          if (refuse.has(to)) out += '554 5.5.1 no valid recipients\r\n';
          else {
            out += '354 go ahead\r\n';
            inData = true;
          }
        } else if (verb === 'QUIT') {
          socket.end(`${out}221 bye\r\n`);
          return;
        } else out += '250 2.0.0 ok\r\n';
      }
      if (out !== '') socket.write(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    refuse,
    dropAfterText,
    refuseText,
    sessions: () => sessions,
    dropAll: () => sockets.forEach((s) => s.destroy()),
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

type Server = Awaited<ReturnType<typeof scriptedServer>>;

function pool(server: Server, change: Partial<SmtpPoolOptions> = {}): SmtpPool {
  return new SmtpPool({
    host: '127.0.0.1',
    port: server.port,
    secure: false,
    requireTLS: false,
    connectionTimeout: 2000,
    greetingTimeout: 2000,
    socketTimeout: 2000,
    maxConnections: 1,
    maxMessages: 100,
    ...change,
  });
}

const mail = (to: string) => ({
  from: 'news@rapport.test',
  to: [to],
  raw: `Subject: hi\r\nTo: ${to}\r\n\r\n.a line that starts with a dot\r\n`,
});

describe('SmtpPool against a scripted SMTP server', () => {
  let server: Server;
  let smtp: SmtpPool;

  beforeEach(async () => {
    server = await scriptedServer();
  });
  afterEach(async () => {
    smtp.close();
    await server.close();
  });

  it('sends the text as written (dot-stuffed on the wire) and resolves with the server reply', async () => {
    smtp = pool(server);
    const info = await smtp.send(mail('a@example.com'));
    expect(info.response).toBe('250 2.0.0 queued');
    expect(server.received).toEqual([
      { to: 'a@example.com', text: 'Subject: hi\r\nTo: a@example.com\r\n\r\n..a line that starts with a dot' },
    ]);
  });

  /** The socket writes (system calls) `send` makes on the client's connections to the server. */
  async function writesOf(send: () => Promise<unknown>): Promise<string[]> {
    const writes: string[] = [];
    const count = (kind: string) =>
      function (this: Socket, ...args: unknown[]) {
        if (this.remotePort === server.port) writes.push(kind);
        return (kind === 'writev' ? writev : write).apply(this, args as never);
      };
    const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
    const write = proto._write;
    const writev = proto._writev;
    proto._write = count('write');
    proto._writev = count('writev');
    try {
      await send();
    } finally {
      proto._write = write;
      proto._writev = writev;
    }
    return writes;
  }

  it('hands a message to the socket in two writes: the envelope, then the text with its terminating dot', async () => {
    smtp = pool(server);
    await smtp.send(mail('a@example.com'));
    // Counted once the session is up: each call is a system call.
    const writes = await writesOf(() => smtp.send(mail('b@example.com')));
    expect(server.received.map((r) => r.text)).toEqual([
      'Subject: hi\r\nTo: a@example.com\r\n\r\n..a line that starts with a dot',
      'Subject: hi\r\nTo: b@example.com\r\n\r\n..a line that starts with a dot',
    ]);
    expect(writes).toHaveLength(2);
  });

  it('on a busy connection, writes each message after the first together with the next envelope: one write a message', async () => {
    smtp = pool(server);
    await smtp.send(mail('a@example.com'));
    const to = ['b', 'c', 'd', 'e', 'f'].map((n) => `${n}@example.com`);
    const writes = await writesOf(() => Promise.all(to.map((t) => smtp.send(mail(t)))));
    // b's envelope; b's text with c's envelope; …; f's text alone.
    expect(writes).toHaveLength(to.length + 1);
    expect(server.received.map((r) => r.to)).toEqual(['a@example.com', ...to]);
    expect(server.received.every((r) => r.text === `Subject: hi\r\nTo: ${r.to}\r\n\r\n..a line that starts with a dot`)).toBe(true);
    expect(server.sessions()).toBe(1);
  });

  it('fails a refused text alone: the messages around it go out on the same session', async () => {
    smtp = pool(server);
    server.refuseText.add('spam@example.com');
    const results = await Promise.allSettled(['a@example.com', 'spam@example.com', 'b@example.com'].map((to) => smtp.send(mail(to))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'EMESSAGE', responseCode: 554, command: 'DATA' });
    expect(server.received.map((r) => r.to)).toEqual(['a@example.com', 'b@example.com']);
    expect(server.sessions()).toBe(1);
  });

  it('sends once, on a new connection, a message whose envelope went along with a text that broke the connection', async () => {
    smtp = pool(server);
    await smtp.send(mail('a@example.com'));
    server.dropAfterText.add('b@example.com');
    const results = await Promise.allSettled(['b@example.com', 'c@example.com'].map((to) => smtp.send(mail(to))));
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'ECONNECTION' });
    expect(results[1]).toMatchObject({ status: 'fulfilled', value: { response: '250 2.0.0 queued' } });
    expect(server.received.map((r) => r.to)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(server.sessions()).toBe(2);
  });

  it('resets the session after a refused recipient and keeps using the connection', async () => {
    smtp = pool(server);
    server.refuse.add('gone@example.com');
    const results = await Promise.allSettled(['a@example.com', 'gone@example.com', 'b@example.com'].map((to) => smtp.send(mail(to))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' });
    expect(server.received.map((r) => r.to)).toEqual(['a@example.com', 'b@example.com']);
    expect(server.sessions()).toBe(1);
  });

  it('replaces a connection after maxMessages', async () => {
    smtp = pool(server, { maxMessages: 2 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => smtp.send(mail(`${n}@example.com`))));
    expect(server.received).toHaveLength(5);
    expect(server.sessions()).toBe(3);
  });

  it('sends a message again on a new connection when the server had closed the idle one before it went out', async () => {
    smtp = pool(server);
    await smtp.send(mail('a@example.com'));
    server.dropAll();
    await expect(smtp.send(mail('b@example.com'))).resolves.toMatchObject({ response: '250 2.0.0 queued' });
    expect(server.received.map((r) => r.to)).toEqual(['a@example.com', 'b@example.com']);
    expect(server.sessions()).toBe(2);
  });

  it('never sends again a message whose text went out before the connection broke: it fails as a connection error', async () => {
    smtp = pool(server);
    await smtp.send(mail('a@example.com'));
    server.dropAfterText.add('b@example.com');
    await expect(smtp.send(mail('b@example.com'))).rejects.toMatchObject({ code: 'ECONNECTION' });
    expect(server.received.map((r) => r.to)).toEqual(['a@example.com', 'b@example.com']);
    await smtp.send(mail('c@example.com'));
    expect(server.received.map((r) => r.to)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
  });

  it('opens at most maxConnections connections and fails every waiting message when none can be made', async () => {
    smtp = pool(server, { maxConnections: 3 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => smtp.send(mail(`m${i}@example.com`))));
    expect(server.received).toHaveLength(12);
    expect(server.sessions()).toBeLessThanOrEqual(3);
    smtp.close();

    const port = server.port;
    await server.close();
    smtp = pool({ ...server, port }, { maxConnections: 2 });
    const results = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => smtp.send(mail(`n${i}@example.com`))));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'ESOCKET')).toBe(true);
  });

  it('does not send a message whose signal was aborted while it waited', async () => {
    smtp = pool(server);
    const controller = new AbortController();
    const first = smtp.send(mail('a@example.com'));
    const second = smtp.send({ ...mail('b@example.com'), signal: controller.signal });
    controller.abort();
    await first;
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.received.map((r) => r.to)).toEqual(['a@example.com']);
  });
});

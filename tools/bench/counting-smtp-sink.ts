import { createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * The campaign benches' SMTP server: speaks just enough SMTP for a client
 * (EHLO with PIPELINING, MAIL, RCPT, DATA, RSET, NOOP, QUIT), accepts every
 * message and only counts it. smtp-server parsed every command and streamed
 * every message through a dot-unstuffing transform in the bench's own
 * process, at about 0.2 ms of CPU per message (ADR 067) on the 2 cores the
 * platform is measured on; this answers each read of the socket with one
 * write and keeps nothing, so the bench measures the platform rather than
 * its sink. Replies are in order, however many commands a read holds.
 */
export async function startCountingSmtpSink(): Promise<{ port: number; delivered(): number; close(): Promise<void> }> {
  let delivered = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    let pending = '';
    /** In a message's text; `atStart`: nothing of it read yet (an empty message is just `.`). */
    let inData = false;
    let atStart = false;
    socket.write('220 bench-sink ESMTP\r\n');
    socket.on('data', (chunk: string) => {
      let text = pending + chunk;
      let out = '';
      for (;;) {
        if (inData) {
          const end = atStart && text.startsWith('.\r\n') ? -2 : text.indexOf('\r\n.\r\n');
          if (end === -1) {
            // Only a terminator split across reads matters: keep the last 4 characters.
            atStart = atStart && text.length === 0;
            text = text.slice(-4);
            break;
          }
          text = text.slice(end + 5);
          inData = false;
          delivered++;
          out += '250 2.0.0 Ok: counted\r\n';
          continue;
        }
        const eol = text.indexOf('\r\n');
        if (eol === -1) break;
        const verb = text.slice(0, 4).toUpperCase();
        text = text.slice(eol + 2);
        if (verb === 'EHLO') out += '250-bench-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n';
        else if (verb === 'DATA') {
          out += '354 End data with <CR><LF>.<CR><LF>\r\n';
          inData = true;
          atStart = true;
        } else if (verb === 'QUIT') {
          socket.end(`${out}221 2.0.0 Bye\r\n`);
          return;
        } else out += '250 2.0.0 Ok\r\n';
      }
      pending = text;
      if (out !== '') socket.write(out);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    delivered: () => delivered,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

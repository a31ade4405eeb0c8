import { mkdir, rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { emlFileName } from './eml-file-name';

export interface DevMailboxOptions {
  /** Folder for the .eml files; created if missing (e.g. `.rapport/mail`). */
  dir: string;
  /** Port on 127.0.0.1; default 0 (a free one, see `url`). */
  port?: number;
  /** Called after each message is on disk, e.g. to print where it went. */
  onMessage?: (saved: { path: string; from: string; to: string[] }) => void;
}

export interface DevMailbox {
  /** `smtp://127.0.0.1:<port>`, for MARKETING_SMTP_URL. */
  url: string;
  port: number;
  dir: string;
  close(): Promise<void>;
}

/**
 * A local SMTP server for `npm start` without a real mail server: it accepts
 * every message (any login or none, plain text, 127.0.0.1 only) and writes
 * it as an .eml file any mail client opens. Not for production: it relays
 * nothing and keeps everything.
 */
export async function startDevMailbox(options: DevMailboxOptions): Promise<DevMailbox> {
  await mkdir(options.dir, { recursive: true });
  let sequence = 0;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    disableReverseLookup: true,
    size: 25 * 1024 * 1024,
    onAuth: (login, _session, callback) => callback(null, { user: login.username ?? 'dev' }),
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.sizeExceeded)
          return callback(Object.assign(new Error('5.3.4 message too big for the dev mailbox'), { responseCode: 552 }));
        const raw = Buffer.concat(chunks);
        sequence += 1;
        const path = join(options.dir, emlFileName(raw, new Date(), sequence));
        // Write then rename, so a mail client watching the folder never opens half a message.
        const partial = `${path}.partial`;
        writeFile(partial, raw)
          .then(() => rename(partial, path))
          .then(
            () => {
              const { mailFrom, rcptTo } = session.envelope;
              options.onMessage?.({ path, from: mailFrom ? mailFrom.address : '', to: rcptTo.map((r) => r.address) });
              callback(null, `2.0.0 Ok: saved as ${path}`);
            },
            (err: Error) =>
              callback(Object.assign(new Error(`4.3.0 dev mailbox could not save the message: ${err.message}`), { responseCode: 451 })),
          );
      });
    },
  });
  server.on('error', () => undefined); // a client that hangs up is no reason to stop
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    dir: options.dir,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

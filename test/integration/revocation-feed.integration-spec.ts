import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { RevocationFeed, RevocationList } from '@rapport/auth';
import { API_KEY_REVOKED, STREAMS, SYSTEM_ACTOR, USER_UPDATED } from '@rapport/contracts';
import { ensureStream, newEvent, subjectFor, type MessagingNaming } from '@rapport/messaging';
import { connect, type NatsConnection } from 'nats';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function keyRevoked(id: string) {
  return newEvent({
    type: API_KEY_REVOKED,
    tenantId: randomUUID(),
    actor: SYSTEM_ACTOR,
    subjectId: id,
    data: { apiKey: { id, name: 'k', revokedAt: new Date().toISOString() } },
  });
}

function rolesChanged(id: string, tokenVersion: number) {
  return newEvent({
    type: USER_UPDATED,
    tenantId: randomUUID(),
    actor: SYSTEM_ACTOR,
    subjectId: id,
    data: { user: { id, email: 'u@x.test', displayName: 'U', roles: ['sales_rep'], active: true, tokenVersion }, changed: ['roles'] },
  });
}

/** The feed against a real JetStream: what it replays at start, what it follows, and what it says when NATS goes away. */
describe('RevocationFeed', () => {
  const token = randomUUID().slice(0, 8);
  const naming: MessagingNaming = {
    subjectPrefix: `${process.env.NATS_SUBJECT_PREFIX}${token}`,
    streamSuffix: `${token}_${process.env.NATS_STREAM_SUFFIX}`,
  };

  async function publish(nc: NatsConnection, event: ReturnType<typeof keyRevoked> | ReturnType<typeof rolesChanged>) {
    await nc.jetstream().publish(subjectFor(naming, event.type), JSON.stringify(event), { msgID: event.id });
  }

  describe('on the shared server', () => {
    let nc: NatsConnection;
    let stream: string;

    beforeAll(async () => {
      nc = await connect({ servers: process.env.NATS_URL });
      stream = await ensureStream(nc, naming, STREAMS.IDENTITY);
    });

    afterAll(async () => {
      await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
      await nc?.close();
    });

    it('replays the changes within its look-back, not older ones, then follows new ones', async () => {
      await publish(nc, keyRevoked('key-too-old'));
      await new Promise((r) => setTimeout(r, 1200));
      await publish(nc, rolesChanged('user-a', 2));
      const list = new RevocationList();
      const feed = new RevocationFeed(nc, naming, list, silent, 1000);
      expect(() => feed.check()).toThrow(/replaying/);
      await feed.start();
      try {
        expect(() => feed.check()).not.toThrow();
        expect(list.refuses('user-a', 1)).toBe(true);
        expect(list.refuses('user-a', 2)).toBe(false);
        expect(list.refuses('key-too-old', 0)).toBe(false);

        await publish(nc, keyRevoked('key-new'));
        await until(() => list.refuses('key-new', 0), 2000);
      } finally {
        await feed.stop();
      }
    });
  });

  describe('when NATS goes away', () => {
    let dir: string;
    let port: number;
    let server: ChildProcess | null = null;

    const startServer = async () => {
      server = spawn('nats-server', ['-js', '-p', String(port), '-sd', dir], { stdio: 'ignore' });
      for (let i = 0; ; i++) {
        const ok = await connect({ servers: `nats://127.0.0.1:${port}`, timeout: 500 }).then(
          (c) => c.close().then(() => true),
          () => false,
        );
        if (ok) return;
        if (i > 50) throw new Error('nats-server did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const stopServer = async () => {
      const s = server;
      server = null;
      if (!s) return;
      const exited = new Promise((r) => s.once('exit', r));
      s.kill('SIGKILL');
      await exited;
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'rapport-nats-'));
      port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, () => {
          const { port: free } = probe.address() as { port: number };
          probe.close(() => resolve(free));
        });
      });
      await startServer();
    });

    afterAll(async () => {
      await stopServer();
      rmSync(dir, { recursive: true, force: true });
    });

    it('reports the outage, then applies the revocations made during it once back', async () => {
      const nc = await connect({ servers: `nats://127.0.0.1:${port}`, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
      const list = new RevocationList();
      const feed = new RevocationFeed(nc, naming, list, silent);
      await feed.start();
      try {
        expect(() => feed.check()).not.toThrow();
        await stopServer();
        await until(() => throws(() => feed.check()), 5000);
        expect(() => feed.check()).toThrow(/disconnected/);

        await startServer();
        const writer = await connect({ servers: `nats://127.0.0.1:${port}` });
        await publish(writer, keyRevoked('key-revoked-while-away'));
        await writer.close();
        await until(() => list.refuses('key-revoked-while-away', 0), 10_000);
        await until(() => !throws(() => feed.check()), 5000);
      } finally {
        await feed.stop();
        await nc.close();
      }
    });
  });
});

function throws(f: () => void): boolean {
  try {
    f();
    return false;
  } catch {
    return true;
  }
}

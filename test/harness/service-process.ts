import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The built entry point of a service, as deployed (needs `npm run build`). */
export function builtEntry(service: string): string {
  return join(ROOT, 'dist', 'apps', service, 'src', 'main.js');
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A built service running as its own process against this run's
 * Postgres/NATS/Redis names, on one port for its whole life: `kill` ends
 * the current process (SIGKILL by default: no shutdown code runs, as when
 * a node dies), `start` runs a new one in its place. What it writes goes
 * to `output()` (its last 64 KB), for the failure message of a test.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<Exit> | null = null;
  private log = '';

  private constructor(
    readonly service: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  /**
   * Starts the built service and waits until it reports ready (on `port` when given, e.g. one the gateway was told);
   * `readyTimeoutMs` for a test that starts several at once on a loaded machine.
   */
  static async start(service: string, env: Record<string, string> = {}, port?: number, readyTimeoutMs?: number): Promise<ServiceProcess> {
    const entry = builtEntry(service);
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
    const running = new ServiceProcess(service, port ?? (await freePort()), env);
    await running.start(readyTimeoutMs);
    return running;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  output(): string {
    return this.log;
  }

  /** Starts a process (again) on the same port and waits for /health/ready. */
  async start(readyTimeoutMs = 90_000): Promise<void> {
    if (this.child) throw new Error(`${this.service} is already running`);
    const child = spawn(process.execPath, [builtEntry(this.service)], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(this.port), HOST: '127.0.0.1', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-65_536));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = null;
        resolve({ code, signal });
      }),
    );
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${this.service} exited before it was ready:\n${this.log.slice(-3000)}`);
      const ready = await fetch(`${this.url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) {
        // Left running, it would go on consuming this worker's streams and queues for the suites after this one.
        await this.kill('SIGKILL');
        throw new Error(`${this.service} not ready within ${readyTimeoutMs} ms:\n${this.log.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Sends the signal and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit | null> {
    if (!this.child || !this.exited) return null;
    const exited = this.exited;
    this.child.kill(signal);
    return exited;
  }

  /** Stops it the ordinary way (SIGTERM), for the end of a test. */
  async stop(): Promise<void> {
    await this.kill('SIGTERM');
  }
}

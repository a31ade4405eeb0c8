import type { ChildExited } from './processes';
import { GaveUp, RestartPolicy, ServiceSupervisor } from './supervisor';

describe('RestartPolicy', () => {
  const options = { baseDelayMs: 1000, maxDelayMs: 10_000, quickCrashMs: 30_000, maxRestarts: 5 };

  it('doubles the pause for each quick crash in a row, up to its cap, and gives up after the last restart', () => {
    const policy = new RestartPolicy(options);
    const decisions = Array.from({ length: 6 }, () => policy.next(2_000));
    expect(decisions).toEqual([
      { giveUp: false, delayMs: 1000, restart: 1 },
      { giveUp: false, delayMs: 2000, restart: 2 },
      { giveUp: false, delayMs: 4000, restart: 3 },
      { giveUp: false, delayMs: 8000, restart: 4 },
      { giveUp: false, delayMs: 10_000, restart: 5 },
      { giveUp: true, crashes: 6 },
    ]);
  });

  it('starts counting again after a run that lasted (a crash hours later is not part of a streak)', () => {
    const policy = new RestartPolicy(options);
    policy.next(2_000);
    policy.next(2_000);
    expect(policy.next(3_600_000)).toEqual({ giveUp: false, delayMs: 1000, restart: 1 });
  });
});

/**
 * Real (tiny) child processes. Each is "ready" once it prints "up", and dies
 * (exit code 3) only when the test sends it SIGUSR2, so every step is an
 * event the test waits for, not a race against a timer.
 */
describe('ServiceSupervisor', () => {
  const SCRIPT = `process.on('SIGUSR2', () => process.exit(3)); console.log('up'); setInterval(() => {}, 1000);`;

  function supervise(maxRestarts: number) {
    const said: string[] = [];
    const fatal: (ChildExited | GaveUp)[] = [];
    const supervisor = new ServiceSupervisor({
      spawn: {
        name: 'sales',
        command: process.execPath,
        args: ['-e', SCRIPT],
        env: process.env,
        cwd: process.cwd(),
        onLine: () => undefined,
      },
      policy: { baseDelayMs: 10, maxDelayMs: 1000, quickCrashMs: 600_000, maxRestarts },
      waitReady: (child) =>
        new Promise<void>((resolve) => {
          const poll = () => (child.lastLines().includes('up') ? resolve() : setTimeout(poll, 5));
          poll();
        }),
      say: { warn: (t) => said.push(`warn: ${t}`), ok: (t) => said.push(`ok: ${t}`) },
      onFatal: (e) => fatal.push(e),
    });
    return { supervisor, said, fatal };
  }

  async function until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((r) => setTimeout(r, 5));
  }

  it('restarts a ready service that dies, with backoff, says so naming it and its exit code, and gives up after repeated crashes', async () => {
    const { supervisor, said, fatal } = supervise(2);
    await supervisor.firstReady();
    const first = supervisor.current;

    first.signal('SIGUSR2');
    await until(() => said.includes('ok: sales ready again'));
    expect(supervisor.current).not.toBe(first);
    supervisor.current.signal('SIGUSR2');
    await until(() => said.filter((s) => s === 'ok: sales ready again').length === 2);
    supervisor.current.signal('SIGUSR2');
    await until(() => fatal.length === 1);

    expect(said).toEqual([
      'warn: sales exited with code 3: restarting it in 10 ms (restart 1 of at most 2 in a row); the other services keep running',
      'ok: sales ready again',
      'warn: sales exited with code 3: restarting it in 20 ms (restart 2 of at most 2 in a row); the other services keep running',
      'ok: sales ready again',
    ]);
    expect(fatal[0]).toBeInstanceOf(GaveUp);
    expect(fatal[0].message).toBe('sales exited with code 3: 3 crashes in a row, each within 600 s of starting; giving up on it');
    expect(supervisor.current.running).toBe(false);
  });

  it('treats a death before the first ready as a failed launch (no restart)', async () => {
    const said: string[] = [];
    const fatal: (ChildExited | GaveUp)[] = [];
    const supervisor = new ServiceSupervisor({
      spawn: {
        name: 'sales',
        command: process.execPath,
        args: ['-e', 'process.exit(4)'],
        env: process.env,
        cwd: process.cwd(),
        onLine: () => undefined,
      },
      waitReady: () => new Promise<void>(() => undefined),
      say: { warn: (t) => said.push(t), ok: (t) => said.push(t) },
      onFatal: (e) => fatal.push(e),
    });
    await supervisor.current.exited;
    await until(() => fatal.length === 1);
    expect(fatal[0].message).toBe('sales exited with code 4');
    expect(said).toEqual([]);
  });

  it('stops the running child with SIGTERM, which is no crash (nothing said, no restart)', async () => {
    const { supervisor, said } = supervise(5);
    await supervisor.firstReady();
    const { info } = await supervisor.stop(5000);
    expect(info.signal).toBe('SIGTERM');
    expect(said).toEqual([]);
  });
});

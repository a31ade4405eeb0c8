import { ChildExited, describeExit, ManagedProcess } from './processes';

/** Real (tiny) child processes: the supervision logic is about their signals and exits. */
function node(script: string, onUnexpectedExit: (e: ChildExited) => void = () => undefined) {
  const lines: string[] = [];
  const child = ManagedProcess.spawn({
    name: 'child',
    command: process.execPath,
    args: ['-e', script],
    env: process.env,
    cwd: process.cwd(),
    onLine: (line) => lines.push(line),
    onUnexpectedExit,
    keepLines: 3,
  });
  return { child, lines };
}

describe('ManagedProcess', () => {
  it('reports lines from stdout and stderr and keeps the last few', async () => {
    const { child, lines } = node(`for (let i = 1; i <= 5; i++) console.log('line ' + i); console.error('oops');`);
    await child.exited;
    // stdout and stderr are separate pipes: their relative order is not guaranteed.
    expect([...lines].sort()).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'oops']);
    expect(child.lastLines()).toHaveLength(3);
    expect(child.running).toBe(false);
  });

  it('reports an exit nobody asked for, once, with the last lines', async () => {
    const reports: ChildExited[] = [];
    const { child } = node(`console.log('starting'); console.error('Error: no database'); process.exit(3);`, (e) => reports.push(e));
    await child.exited;
    expect(reports).toHaveLength(1);
    expect(reports[0].message).toBe('child exited with code 3');
    expect(reports[0].lastLines).toEqual(['starting', 'Error: no database']);
  });

  it('stops with SIGTERM without reporting that as unexpected', async () => {
    const reports: ChildExited[] = [];
    const { child, lines } = node(`console.log('up'); setInterval(() => {}, 1000);`, (e) => reports.push(e));
    await waitForLine(lines, 'up');
    const { info, forced } = await child.stop(5000);
    expect(forced).toBe(false);
    expect(info.signal).toBe('SIGTERM');
    expect(reports).toEqual([]);
  });

  it('kills a child that ignores SIGTERM after the grace period', async () => {
    const { child, lines } = node(`process.on('SIGTERM', () => console.log('ignoring')); console.log('up'); setInterval(() => {}, 1000);`);
    await waitForLine(lines, 'up');
    const { info, forced } = await child.stop(300);
    expect(forced).toBe(true);
    expect(info.signal).toBe('SIGKILL');
    expect(lines).toContain('ignoring');
  });

  it('runs the child in its own process group, so a terminal Ctrl-C reaches only the launcher', async () => {
    const { child, lines } = node(
      `console.log(require('node:child_process').execSync('ps -o pgid= -p ' + process.pid).toString().trim());`,
    );
    await child.exited;
    expect(Number(lines[0])).toBe(child.pid);
  });

  it('reports a program that cannot be started', async () => {
    const reports: ChildExited[] = [];
    const child = ManagedProcess.spawn({
      name: 'ghost',
      command: '/nonexistent/ghost',
      args: [],
      env: process.env,
      cwd: process.cwd(),
      onLine: () => undefined,
      onUnexpectedExit: (e) => reports.push(e),
    });
    const info = await child.exited;
    expect(describeExit(info)).toMatch(/could not be started \(.*ENOENT/);
    expect(reports).toHaveLength(1);
    await expect(child.stop()).resolves.toMatchObject({ forced: false });
  });
});

async function waitForLine(lines: string[], line: string): Promise<void> {
  for (let i = 0; i < 200 && !lines.includes(line); i++) await new Promise((r) => setTimeout(r, 10));
  expect(lines).toContain(line);
}

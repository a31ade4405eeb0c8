import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, POSIX_FALLBACK_DIRS } from './path-lookup';

describe('findExecutable', () => {
  const only =
    (...files: string[]) =>
    (file: string) =>
      files.includes(file);

  it('returns the first match in PATH order', () => {
    const found = findExecutable('nats-server', {
      path: '/opt/bin:/usr/bin',
      platform: 'linux',
      isExecutable: only('/usr/bin/nats-server', '/opt/bin/nats-server'),
    });
    expect(found).toBe('/opt/bin/nats-server');
  });

  it('also looks in the sbin directories Debian installs servers into', () => {
    expect(POSIX_FALLBACK_DIRS).toContain('/usr/sbin');
    expect(findExecutable('nats-server', { path: '/usr/bin:/bin', platform: 'linux', isExecutable: only('/usr/sbin/nats-server') })).toBe(
      '/usr/sbin/nats-server',
    );
  });

  it('returns undefined when absent, and ignores empty PATH entries', () => {
    const seen: string[] = [];
    const found = findExecutable('redis-server', { path: ':/usr/bin::', platform: 'linux', isExecutable: (f) => (seen.push(f), false) });
    expect(found).toBeUndefined();
    expect(seen).toEqual(['/usr/bin/redis-server', ...POSIX_FALLBACK_DIRS.map((d) => `${d}/redis-server`)]);
  });

  it('tries PATHEXT extensions on Windows', () => {
    const found = findExecutable('redis-server', {
      path: 'C:\\tools;C:\\redis',
      platform: 'win32',
      pathExt: '.COM;.EXE',
      isExecutable: only('C:\\redis\\redis-server.EXE'),
    });
    expect(found).toBe('C:\\redis\\redis-server.EXE');
  });

  it('checks the file is really executable by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'path-lookup-'));
    try {
      writeFileSync(join(dir, 'plain'), '');
      writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
      chmodSync(join(dir, 'tool'), 0o755);
      expect(findExecutable('tool', { path: dir, platform: 'linux' })).toBe(join(dir, 'tool'));
      expect(findExecutable('plain', { path: dir, platform: 'linux' })).toBeUndefined();
      expect(findExecutable('', { path: dir, platform: 'linux' })).toBeUndefined(); // the directory itself is not a program
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * `which` in Node: finds a server binary (nats-server, redis-server) without
 * shelling out, so the launcher can decide between starting it and telling
 * the user what to install.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { posix, win32 } from 'node:path';

export interface LookupOptions {
  /** The PATH to search (default: process.env.PATH). */
  path?: string;
  platform?: NodeJS.Platform;
  /** Windows executable extensions (default: process.env.PATHEXT). */
  pathExt?: string;
  /** Overridable for tests. */
  isExecutable?: (file: string) => boolean;
}

/**
 * Debian installs nats-server into /usr/sbin, which is not on an ordinary
 * user's PATH; looking there too avoids telling someone to install what they
 * already have.
 */
export const POSIX_FALLBACK_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function defaultIsExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findExecutable(name: string, options: LookupOptions = {}): string | undefined {
  const platform = options.platform ?? process.platform;
  const windows = platform === 'win32';
  const path = windows ? win32 : posix;
  const isExecutable = options.isExecutable ?? defaultIsExecutable;
  const dirs = (options.path ?? process.env.PATH ?? '').split(windows ? ';' : ':').filter((d) => d !== '');
  if (!windows) dirs.push(...POSIX_FALLBACK_DIRS.filter((d) => !dirs.includes(d)));
  const extensions = windows
    ? ['', ...(options.pathExt ?? process.env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter((e) => e !== '')]
    : [''];
  for (const dir of dirs) {
    for (const ext of extensions) {
      const candidate = path.join(dir, name + ext);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

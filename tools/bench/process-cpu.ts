/**
 * CPU time of a process tree, read from Linux's /proc. On a machine shared
 * with other work, requests/s move with everyone else's load; the CPU the
 * platform spends per request does much less, so it is the fairer measure of
 * what one kind of request costs. Elsewhere (no /proc) it answers null.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks a second for /proc/<pid>/stat times (USER_HZ: 100 on every Linux architecture Node runs on). */
const TICKS_PER_SECOND = 100;

/** Fields after the command name of /proc/<pid>/stat (the name may hold spaces and parentheses). */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // gone, or no /proc
  }
}

/** `root` and every process below it, or [] without /proc. */
export function processTree(root: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const ppid = Number(statFields(pid)?.[1]);
    if (!Number.isInteger(ppid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const tree: number[] = [];
  const todo = [root];
  for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
    tree.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** User + system CPU seconds the processes have used so far; null when none could be read. */
export function cpuSeconds(pids: readonly number[]): number | null {
  let ticks = 0;
  let read = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    if (!fields) continue;
    // utime and stime: fields 14 and 15 of stat, 11 and 12 counted from 0 after the name.
    ticks += Number(fields[11]) + Number(fields[12]);
    read++;
  }
  return read > 0 ? ticks / TICKS_PER_SECOND : null;
}

/** Those of `pids` whose command line runs `entry` (e.g. `apps/marketing/src/main.js`): one service's processes. */
export function processesRunning(pids: readonly number[], entry: string): number[] {
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .some((arg) => arg.endsWith(entry));
    } catch {
      return false; // gone, or no /proc
    }
  });
}

/**
 * The local TCP ports of the processes' sockets (from /proc/<pid>/fd and
 * /proc/net/tcp{,6}), or [] without /proc: with pg_stat_activity's
 * client_port they name the PostgreSQL backends serving these processes,
 * whose CPU is the database's share of their work.
 */
export function localPorts(pids: readonly number[]): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (link.startsWith('socket:[')) inodes.add(link.slice(8, -1));
      } catch {
        // closed meanwhile
      }
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      // local_address is "ADDR:PORT" in hex; the inode is field 9.
      if (f.length > 9 && inodes.has(f[9])) ports.push(parseInt(f[1].split(':')[1], 16));
    }
  }
  return ports;
}

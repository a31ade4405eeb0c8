/**
 * "Does something answer there?" and "wait until it does": the two questions
 * the launcher asks of every server and service.
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** True when a TCP connection to host:port succeeds within the timeout. */
export function probeTcp(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface HttpAnswer {
  status: number;
  /** The start of the body: a readiness report names the check that fails. */
  body: string;
}

/** A GET's status and the start of its body, or undefined when nothing answered. */
export async function httpGet(url: string, timeoutMs = 2000): Promise<HttpAnswer | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: (await res.text()).slice(0, 500) };
  } catch {
    return undefined;
  }
}

export class WaitTimeout extends Error {
  override readonly name = 'WaitTimeout';
}

/**
 * Polls `check` until it returns true. Rejects with the signal's reason as
 * soon as the signal aborts (a stop request, or a child that died: no point
 * waiting for a service that is gone), or with WaitTimeout.
 */
export async function waitFor(
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; signal: AbortSignal; what: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    options.signal.throwIfAborted();
    if (await check()) return;
    options.signal.throwIfAborted();
    if (Date.now() >= deadline) throw new WaitTimeout(`${options.what} did not happen within ${Math.round(options.timeoutMs / 1000)} s`);
    await sleep(options.intervalMs ?? 250, undefined, { signal: options.signal }).catch(() => undefined);
  }
}

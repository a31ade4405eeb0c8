import type { EventEmitter } from 'node:events';

/** Resolves once `done()` holds, re-checking on every `event`; rejects after `timeoutMs` with `failure()`. */
export function waitUntil(
  emitter: EventEmitter,
  event: string,
  done: () => boolean,
  timeoutMs: number,
  failure: () => string,
): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!done()) return;
      clearTimeout(timer);
      emitter.off(event, check);
      resolve();
    };
    const timer = setTimeout(() => {
      emitter.off(event, check);
      reject(new Error(failure()));
    }, timeoutMs);
    emitter.on(event, check);
  });
}

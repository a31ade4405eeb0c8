/** Waits for a probe's value to satisfy `ok`, polling; `timeoutMs` overrides the default of the poller it came from. */
export type Eventually = <T>(probe: () => Promise<T> | T, ok: (value: T) => boolean, timeoutMs?: number) => Promise<T>;

/**
 * A poller for things that become true asynchronously (an event consumed, a
 * job run): it reads `probe` every `intervalMs` until `ok` holds, and past
 * `timeoutMs` fails with the last value read, so a test that times out
 * says what it saw. Each suite picks the defaults that fit what it waits for.
 */
export function eventuallyWithin(defaults: { timeoutMs: number; intervalMs?: number }): Eventually {
  const intervalMs = defaults.intervalMs ?? 100;
  return async (probe, ok, timeoutMs = defaults.timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (ok(value)) return value;
      if (Date.now() > deadline)
        throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(value)?.slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  };
}

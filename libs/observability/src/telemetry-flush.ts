/**
 * What must be exported before the process exits (buffered spans), run by
 * the shutdown sequence after the close. Kept apart from the SDK so the
 * shutdown code loads nothing of OpenTelemetry when tracing is off.
 */
const flushes: Array<() => Promise<void>> = [];

export function flushOnShutdown(flush: () => Promise<void>): void {
  flushes.push(flush);
}

/** Runs every registered flush; one that fails does not keep the others from running. */
export async function flushTelemetry(): Promise<void> {
  await Promise.allSettled(flushes.map((flush) => flush()));
}

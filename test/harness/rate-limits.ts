/**
 * Limits count in whole-minute windows: a burst that straddles a window
 * boundary starts its counts again midway. Start well inside a window, and
 * say so if the burst still crossed one, rather than fail obscurely.
 */
export async function inOneWindow<T>(burst: () => Promise<T>): Promise<T> {
  if (Date.now() % 60_000 > 45_000) await new Promise((r) => setTimeout(r, 60_500 - (Date.now() % 60_000)));
  const window = Math.floor(Date.now() / 60_000);
  const result = await burst();
  if (Math.floor(Date.now() / 60_000) !== window) throw new Error('the burst crossed a rate-limit window; run again');
  return result;
}

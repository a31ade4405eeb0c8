import { connect } from 'nats';

/** Messages per subject (below the run's prefix) on the platform's producing streams, read from the servers' stream state. */
export async function streamSubjectCounts(
  streams: readonly string[],
  streamSuffix: string,
  subjectPrefix: string,
): Promise<Map<string, number>> {
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  try {
    const jsm = await nc.jetstreamManager();
    const counts = new Map<string, number>();
    const prefix = subjectPrefix ? `${subjectPrefix}.` : '';
    for (const stream of streams) {
      const name = streamSuffix ? `${stream}_${streamSuffix}` : stream;
      const info = await jsm.streams.info(name, { subjects_filter: '>' }).catch(() => null);
      for (const [subject, n] of Object.entries(info?.state.subjects ?? {})) counts.set(subject.slice(prefix.length), n);
    }
    return counts;
  } finally {
    await nc.close();
  }
}

/** The subjects whose count grew between two readings, most first ("type n, type n"), and how many in all. */
export function countsGrown(before: Map<string, number>, after: Map<string, number>): { list: string; total: number } {
  const grown = [...after]
    .map(([subject, n]) => [subject, n - (before.get(subject) ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  return { list: grown.map(([subject, n]) => `${subject} ${n}`).join(', '), total: grown.reduce((sum, [, n]) => sum + n, 0) };
}

import type { TenantDatabase } from '@rapport/persistence';
import { DeliverPolicy, type ConsumerConfig, type ConsumerInfo, type JetStreamManager } from 'nats';
import { coveringSubject, subjectFor, type MessagingNaming } from './naming';

/**
 * A consumer's server-side filter: one pattern covering every type it takes
 * (NATS < 2.10 has no `filter_subjects`; Debian ships 2.9), so a consumer of
 * a few types on a busy stream is not handed the rest — what the cover lets
 * through beyond them it skips itself. None when the cover spans producers:
 * a first-token wildcard is no narrower than the stream.
 */
export function serverFilter(naming: MessagingNaming, eventTypes: readonly string[]): { filter_subject?: string } {
  const cover = coveringSubject(eventTypes);
  return cover.startsWith('*') || cover.startsWith('>') ? {} : { filter_subject: subjectFor(naming, cover) };
}

/** The durable's info, or null when there is none. */
export async function durableInfo(jsm: JetStreamManager, stream: string, durable: string): Promise<ConsumerInfo | null> {
  return jsm.consumers.info(stream, durable).catch((err: Error) => {
    if (/not found/i.test(err.message)) return null;
    throw err;
  });
}

export function sameFilter(info: ConsumerInfo, wanted: { filter_subject?: string }): boolean {
  return (info.config.filter_subject ?? '') === (wanted.filter_subject ?? '');
}

/**
 * Gives an existing durable a new filter. NATS 2.9 cannot change one in
 * place — 2.9.10 accepts the update (or an add of the durable), then moves
 * the durable past every waiting message without delivering any — so the durable is deleted and
 * created again with the new filter, starting after its acknowledgement
 * floor: nothing unacknowledged is skipped, and what was acknowledged beyond
 * the floor comes again and the consumer's inbox drops it. Replicas
 * starting together replace it once (an advisory lock, then a second look);
 * a crash between delete and create leaves no durable, and the next start
 * creates it from the stream's start — again only the inbox's work.
 */
export async function replaceFilter(
  jsm: JetStreamManager,
  db: TenantDatabase,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  await db.system(async (em) => {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`nats-durable-filter:${stream}:${config.durable_name}`]);
    const current = await durableInfo(jsm, stream, config.durable_name);
    if (current && sameFilter(current, config)) return;
    const floor = current?.ack_floor.stream_seq ?? 0;
    if (current) await jsm.consumers.delete(stream, config.durable_name);
    await jsm.consumers.add(stream, {
      ...config,
      ...(floor > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: floor + 1 } : {}),
    });
  });
}

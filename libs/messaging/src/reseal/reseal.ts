import { randomUUID } from 'node:crypto';
import { PERSONAL_FIELDS, personalKeyId, type EventEnvelope } from '@rapport/contracts';
import { DeliverPolicy, headers, type ConsumerConfig, type JetStreamManager, type JsMsg, type NatsConnection, type StreamInfo } from 'nats';
import { DUPLICATE_WINDOW_MS } from '../jetstream';
import type { MessagingNaming } from '../naming';
import type { PersonalKeys } from '../personal-keys';
import { needsSealing, sealPersonal, withPersonalErased } from '../personal-sealing';
import { ResealStates, type ResealState } from './reseal-state';
import { readRange } from './stream-reader';

/**
 * Rewrites a stream so that no message holds a personal value readable
 * (ADR 052). JetStream cannot edit a message, so the stream's messages are
 * appended again, in their order, each one sealed (sealPersonal) when its
 * type has personal fields, with its own subject, headers and Nats-Msg-Id;
 * the copies are checked one by one against the originals; the durable
 * consumers are moved to the same place among the copies; only then are the
 * originals purged by sequence. Consumers' inboxes key on the event id,
 * which the copies keep, so nothing is applied twice.
 *
 * The publishers must be stopped: the stream must have been quiet for the
 * duplicate window (a copy's Nats-Msg-Id must not be taken for a re-send)
 * and no consumer may be reading. Every publish expects the stream's last
 * sequence, so a message published meanwhile stops the run rather than
 * landing among the copies. Where the run stands is kept in NATS
 * (ResealStates): running the command again resumes it; `abortReseal`
 * removes the copies of a run stopped while copying.
 */

export const RESEALED_FROM = 'Rapport-Resealed-From';
export const RESEAL_RUN = 'Rapport-Reseal-Run';

export interface ResealOptions {
  dryRun?: boolean;
  /** How long the stream must have been unwritten (default: the duplicate window). */
  quietMs?: number;
  now?: () => number;
  /** Told after each copy (the CLI prints progress; a test stops a run there as a crash would). */
  copied?: (originalSeq: number) => void | Promise<void>;
}

export interface ResealReport {
  stream: string;
  outcome: 'empty' | 'nothing-to-seal' | 'would-reseal' | 'resealed' | 'refused';
  /** Messages on the stream when the run began. */
  messages: number;
  /** Messages holding readable personal values (found by a dry run; rewritten by a run). */
  readable: number;
  /** Of those, about people already erased: rewritten with the erased values, not sealed under a new key. */
  erased: number;
  consumersMoved: string[];
  reason?: string;
}

/** The run cannot go on without losing or reordering something; nothing was purged. */
export class ResealError extends Error {}

interface Tally {
  readable: number;
  erased: number;
}

export async function resealStream(
  nc: NatsConnection,
  naming: MessagingNaming,
  stream: string,
  keys: PersonalKeys,
  options: ResealOptions = {},
): Promise<ResealReport> {
  const jsm = await nc.jetstreamManager();
  const states = new ResealStates(nc, naming);
  const tally: Tally = { readable: 0, erased: 0 };
  let state = await states.get(stream);
  const report = (outcome: ResealReport['outcome'], messages: number, extra: Partial<ResealReport> = {}): ResealReport => ({
    stream,
    outcome,
    messages,
    readable: tally.readable,
    erased: tally.erased,
    consumersMoved: [],
    ...extra,
  });

  if (!state) {
    const info = await jsm.streams.info(stream);
    if (info.state.messages === 0) return report('empty', 0);
    await readRange(nc, stream, info.state.first_seq, info.state.last_seq, async (msg) => {
      await census(msg, keys, tally);
    });
    if (tally.readable === 0) return report('nothing-to-seal', info.state.messages);
    if (options.dryRun) return report('would-reseal', info.state.messages);
    const reason = await refusal(jsm, info, options);
    if (reason) return report('refused', info.state.messages, { reason });
    state = {
      runId: randomUUID(),
      first: info.state.first_seq,
      last: info.state.last_seq,
      messages: info.state.messages,
      phase: 'copying',
    };
    await states.begin(stream, state);
    tally.readable = 0;
    tally.erased = 0;
  } else if (options.dryRun) {
    return report('would-reseal', state.messages, { reason: `a run is under way (${state.phase}): run without --dry-run to finish it` });
  }

  if (state.phase === 'copying') {
    await copy(nc, jsm, stream, state, keys, tally, options.copied);
    const originals = await verify(nc, jsm, stream, state);
    state.consumers = await consumerPlan(jsm, stream, state, originals);
    state.phase = 'moving';
    await states.save(stream, state);
  }
  const moved = Object.keys(state.consumers ?? {});
  if (state.phase === 'moving') {
    await moveConsumers(jsm, stream, state);
    state.phase = 'purging';
    await states.save(stream, state);
  }
  await jsm.streams.purge(stream, { seq: state.last + 1 });
  const after = await jsm.streams.info(stream);
  if (after.state.messages < state.messages)
    throw new ResealError(`${stream} holds ${after.state.messages} messages after the purge, ${state.messages} before the reseal`);
  await states.finish(stream);
  return report('resealed', state.messages, { consumersMoved: moved.sort() });
}

/** Removes the copies of a run that stopped while copying (a message was published meanwhile, or the operator changed their mind). */
export async function abortReseal(nc: NatsConnection, naming: MessagingNaming, stream: string): Promise<number> {
  const jsm = await nc.jetstreamManager();
  const states = new ResealStates(nc, naming);
  const state = await states.get(stream);
  if (!state) return 0;
  if (state.phase !== 'copying')
    throw new ResealError(`the run on ${stream} verified its copies and moved consumers (${state.phase}): run reseal again to finish it`);
  const { state: now } = await jsm.streams.info(stream);
  const copies: number[] = [];
  await readRange(nc, stream, state.last + 1, now.last_seq, async (msg) => {
    if (msg.headers?.get(RESEAL_RUN) === state.runId) copies.push(msg.seq);
  });
  for (const seq of copies) await jsm.streams.deleteMessage(stream, seq, false);
  await states.finish(stream);
  return copies.length;
}

function envelopeOf(msg: JsMsg): EventEnvelope | null {
  try {
    const parsed = JSON.parse(Buffer.from(msg.data).toString('utf8')) as EventEnvelope;
    return parsed && typeof parsed === 'object' && typeof parsed.type === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

/** The data key of the person a message that needsSealing names. */
function recordKey(envelope: EventEnvelope): string {
  return personalKeyId(envelope.tenantId, PERSONAL_FIELDS[envelope.type].record(envelope.data) ?? '');
}

async function census(msg: JsMsg, keys: PersonalKeys, tally: Tally): Promise<void> {
  const envelope = envelopeOf(msg);
  if (!envelope || !needsSealing(envelope)) return;
  tally.readable++;
  if (await keys.shredded(recordKey(envelope))) tally.erased++;
}

/** Why the stream cannot be rewritten now, or null. */
async function refusal(jsm: JetStreamManager, info: StreamInfo, options: ResealOptions): Promise<string | null> {
  const quietMs = options.quietMs ?? DUPLICATE_WINDOW_MS;
  const sinceLast = (options.now ?? Date.now)() - Date.parse(info.state.last_ts);
  if (sinceLast < quietMs)
    return (
      `${info.config.name} was written ${Math.round(sinceLast / 1000)} s ago: stop the services (their outbox relays) and partners ` +
      `publishing to it, and run again once it has been quiet for ${Math.round(quietMs / 1000)} s (the duplicate window)`
    );
  const { max_msgs: maxMsgs, max_bytes: maxBytes } = info.config;
  if ((maxMsgs > 0 && info.state.messages * 2 > maxMsgs) || (maxBytes > 0 && info.state.bytes * 2 > maxBytes))
    return `${info.config.name} must hold every message twice while the copies are checked; raise its max_msgs/max_bytes for the run`;
  for (const consumer of await jsm.consumers.list(info.config.name).next()) {
    if (consumer.num_waiting > 0 || consumer.push_bound)
      return `consumer ${consumer.name} is reading ${info.config.name}: stop the services first`;
  }
  return null;
}

/** Appends the copies after the originals, from where a previous run of this reseal stopped. */
async function copy(
  nc: NatsConnection,
  jsm: JetStreamManager,
  stream: string,
  state: ResealState,
  keys: PersonalKeys,
  tally: Tally,
  copied: ResealOptions['copied'],
): Promise<void> {
  const js = nc.jetstream();
  let expected = (await jsm.streams.info(stream)).state.last_seq;
  let from = state.first;
  if (expected > state.last) {
    const last = await jsm.streams.getMessage(stream, { seq: expected });
    if (last.header?.get(RESEAL_RUN) !== state.runId)
      throw new ResealError(
        `message ${expected} was published to ${stream} during the reseal: stop every publisher, run \`reseal --abort\`, then reseal again`,
      );
    from = Number(last.header.get(RESEALED_FROM)) + 1;
  }
  await readRange(nc, stream, from, state.last, async (msg) => {
    const copyHeaders = headers();
    for (const [key, values] of msg.headers ?? []) {
      // The publisher's expectations held for the original; ours are the copy's.
      if (key === RESEALED_FROM || key === RESEAL_RUN || key.startsWith('Nats-Expected')) continue;
      for (const value of values) copyHeaders.append(key, value);
    }
    copyHeaders.set(RESEALED_FROM, String(msg.seq));
    copyHeaders.set(RESEAL_RUN, state.runId);
    try {
      const ack = await js.publish(msg.subject, await resealed(msg, keys, tally), {
        headers: copyHeaders,
        expect: { lastSequence: expected },
      });
      if (ack.duplicate)
        throw new ResealError(`${stream} took the copy of message ${msg.seq} for a re-send: its duplicate window has not passed`);
      expected = ack.seq;
    } catch (err) {
      if (err instanceof ResealError) throw err;
      throw new ResealError(`copying message ${msg.seq} of ${stream} failed (${(err as Error).message}); run reseal again to resume`);
    }
    await copied?.(msg.seq);
  });
}

/** The message's bytes as the copy carries them: sealed, or as erased when its person's key is gone; else as they were. */
async function resealed(msg: JsMsg, keys: PersonalKeys, tally: Tally): Promise<Uint8Array> {
  const envelope = envelopeOf(msg);
  if (!envelope || !needsSealing(envelope)) return msg.data;
  tally.readable++;
  let out: EventEnvelope;
  if (await keys.shredded(recordKey(envelope))) {
    tally.erased++;
    out = withPersonalErased(envelope);
  } else {
    out = await sealPersonal(envelope, keys);
  }
  return Buffer.from(JSON.stringify(out), 'utf8');
}

interface Original {
  seq: number;
  subject: string;
  msgId: string | undefined;
}

/** Checks the copies against the originals one by one; returns the originals' sequences in order. */
async function verify(nc: NatsConnection, jsm: JetStreamManager, stream: string, state: ResealState): Promise<Original[]> {
  const originals: Original[] = [];
  await readRange(nc, stream, state.first, state.last, async (msg) => {
    originals.push({ seq: msg.seq, subject: msg.subject, msgId: msg.headers?.get('Nats-Msg-Id') || undefined });
  });
  if (originals.length !== state.messages)
    throw new ResealError(`${stream} held ${state.messages} messages when the reseal began and holds ${originals.length} of them now`);
  const { state: now } = await jsm.streams.info(stream);
  if (now.last_seq !== state.last + originals.length)
    throw new ResealError(`${stream} has ${now.last_seq - state.last} messages after the originals, ${originals.length} expected`);
  let i = 0;
  await readRange(nc, stream, state.last + 1, now.last_seq, async (msg) => {
    const original = originals[i++];
    const envelope = envelopeOf(msg);
    const problem =
      msg.headers?.get(RESEAL_RUN) !== state.runId || Number(msg.headers?.get(RESEALED_FROM)) !== original?.seq
        ? 'is not the copy of the original in its place'
        : msg.subject !== original.subject || (msg.headers?.get('Nats-Msg-Id') || undefined) !== original.msgId
          ? 'has another subject or message id than its original'
          : envelope && needsSealing(envelope)
            ? 'still holds personal values readable'
            : null;
    if (problem) throw new ResealError(`message ${msg.seq} of ${stream} ${problem}`);
  });
  if (i !== originals.length) throw new ResealError(`${stream}: read ${i} copies of ${originals.length}`);
  return originals;
}

/** Each durable consumer restarts on the copies where it stood on the originals: after the copy of its ack floor. */
async function consumerPlan(
  jsm: JetStreamManager,
  stream: string,
  state: ResealState,
  originals: readonly Original[],
): Promise<NonNullable<ResealState['consumers']>> {
  const plan: NonNullable<ResealState['consumers']> = {};
  for (const consumer of await jsm.consumers.list(stream).next()) {
    if (!consumer.config.durable_name) continue;
    const acked = originals.filter((o) => o.seq <= consumer.ack_floor.stream_seq).length;
    plan[consumer.name] = { start: state.last + 1 + acked, config: { ...consumer.config } };
  }
  return plan;
}

async function moveConsumers(jsm: JetStreamManager, stream: string, state: ResealState): Promise<void> {
  for (const [name, { start, config }] of Object.entries(state.consumers ?? {})) {
    const info = await jsm.consumers.info(stream, name).catch((err: Error) => {
      if (/consumer not found/i.test(err.message)) return null;
      throw err;
    });
    if (info?.config.deliver_policy === DeliverPolicy.StartSequence && info.config.opt_start_seq === start) continue;
    // A consumer cannot be moved, only made again: same name and settings, a new starting point.
    if (info) await jsm.consumers.delete(stream, name);
    await jsm.consumers.add(stream, {
      ...(config as Partial<ConsumerConfig>),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: start,
    });
  }
}

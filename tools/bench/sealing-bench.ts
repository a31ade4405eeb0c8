/**
 * `npm run build && node dist/tools/bench/sealing-bench.js`: what sealing
 * and opening personal fields costs per event (ADR 076), on its own: the
 * campaign bench runs the whole platform on a shared machine, where the keys'
 * share is hard to see. Against the NATS at NATS_URL, in a bucket of its own
 * (removed after), as the outbox relay and a consumer use PersonalKeys:
 *
 *   1. seal, new records: one marketing.message.sent per record, --records
 *      records none of which has a key yet, sealed --batch at a time
 *      concurrently (the relay seals a batch with Promise.all);
 *   2. seal, known records: a second event for each of them;
 *   3. open: every event of 1 and 2 opened (`find`), --batch at a time.
 *
 * Prints per step: events/s, the process's CPU per event, and the NATS
 * messages this connection sent per event (requests, publishes; load does
 * not change that one). Flags: --records (5000) --batch (100).
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { SYSTEM_ACTOR, type EventEnvelope } from '@rapport/contracts';
import { connectNats, newEvent, openPersonal, PersonalKeys, sealPersonal, type MessagingNaming } from '@rapport/messaging';
import { numberFlags } from './order-ingest-steps';

const flag = numberFlags(process.argv.slice(2));
const records = Math.max(1, flag('records', 5000));
const batch = Math.max(1, flag('batch', 100));

async function step(
  name: string,
  nc: { stats(): { outMsgs: number } },
  items: number,
  work: (from: number, to: number) => Promise<void>,
): Promise<void> {
  const msgs0 = nc.stats().outMsgs;
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let from = 0; from < items; from += batch) await work(from, Math.min(items, from + batch));
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `${name.padEnd(24)} ${items} events in ${wall.toFixed(2)} s: ${Math.round(items / wall)} events/s, ` +
      `${((cpuMs * 1000) / items).toFixed(0)} µs CPU/event, ${((nc.stats().outMsgs - msgs0) / items).toFixed(2)} NATS messages/event — load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
}

async function main(): Promise<void> {
  const nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'sealing-bench');
  const naming: MessagingNaming = { subjectPrefix: 'sealbench', streamSuffix: `sealbench_${Date.now().toString(36)}` };
  const keys = new PersonalKeys(nc, naming);
  const tenantId = randomUUID();
  const contacts = Array.from({ length: records }, () => randomUUID());
  const event = (contactId: string): EventEnvelope =>
    newEvent({
      type: 'marketing.message.sent',
      tenantId,
      actor: SYSTEM_ACTOR,
      subjectId: randomUUID(),
      data: { messageId: randomUUID(), contactId, channel: 'EMAIL', detail: { address: `${contactId}@example.test` } },
    }) as EventEnvelope;
  console.log(`sealing bench — ${records} records, batches of ${batch}, Node ${process.version}, ${cpus().length} cores`);
  try {
    const sealed: EventEnvelope[] = [];
    const seal = (from: number, to: number) =>
      Promise.all(contacts.slice(from, to).map((c) => sealPersonal(event(c), keys))).then((out) => void sealed.push(...out));
    await step('seal, new records', nc, records, seal);
    await step('seal, known records', nc, records, seal);
    await step('open', nc, sealed.length, async (from, to) => {
      const opened = await Promise.all(sealed.slice(from, to).map((e) => openPersonal(e, keys)));
      if (opened.some((e) => e.personal || (e.data as { detail?: unknown }).detail === null)) throw new Error('an event did not open');
    });
  } finally {
    (keys as { close?: () => void }).close?.();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(`KV_${keys.bucket}`).catch(() => undefined);
    await nc.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

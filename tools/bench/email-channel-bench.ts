/**
 * `node dist/tools/bench/email-channel-bench.js [--messages 4000] [--connections 10] [--in-flight 200]`:
 * the CPU the email channel (composition and SMTP) spends per campaign-like
 * message, apart from the rest of marketing. The SMTP sink (the bench's
 * counting mailbox) runs in a child process, so this process's CPU time is
 * the channel's alone. Messages go out `--in-flight` at a time, as a claim
 * hands them over (ADR 058, 067).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { EmailChannel } from '../../libs/channels/src/email/email-channel';
import { startBenchMailbox } from './marketing-pieces';
import { numberFlags } from './order-ingest-steps';

const flag = numberFlags(process.argv.slice(2));

/** A campaign message as renderMessage makes one: a short body, a tracked link, the open pixel, the unsubscribe link. */
function message(i: number) {
  const token = (c: string, n: number) => c.repeat(n);
  return {
    messageId: `0190f5a4-7c1e-7b3a-9d2e-${String(i).padStart(12, '0')}`,
    to: `c${i}@bench.test`,
    subject: `Hello Zoë ${i}`,
    text: 'A',
    html:
      `<p>A <a href="https://crm.example.com/m/c/${token('x', 200)}">a</a></p>` +
      `<img src="https://crm.example.com/m/o/${token('y', 150)}.gif" width="1" height="1" alt="" style="display:none">`,
    unsubscribeUrl: `https://crm.example.com/m/u/${token('z', 150)}`,
    metadata: { tenant: '0190f5a4-0000-7000-8000-000000000001', campaign: '0190f5a4-0000-7000-8000-000000000002', variant: 'A' },
  };
}

async function main(): Promise<void> {
  const messages = flag('messages', 4000);
  const connections = flag('connections', 10);
  const inFlight = flag('in-flight', 200);
  const sink = fork(__filename, ['--sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve) => sink.once('message', (m) => resolve(String(m))));
  const channel = new EmailChannel({ url, from: 'Bench <bench@rapport.test>', maxConnections: connections });
  const sendRange = async (from: number, count: number) => {
    for (let i = 0; i < count; i += inFlight) {
      const results = await Promise.all(
        Array.from({ length: Math.min(inFlight, count - i) }, (_, j) => channel.send(message(from + i + j))),
      );
      if (results.some((r) => r.status !== 'SENT')) throw new Error('the sink refused a message');
    }
  };
  try {
    await sendRange(0, 2 * inFlight); // connections open, code warm
    const sinkCpu0 = await sinkCpuMs(sink);
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    await sendRange(1_000_000, messages);
    const used = process.cpuUsage(cpu);
    const s = Number(process.hrtime.bigint() - started) / 1e9;
    const sinkMs = (await sinkCpuMs(sink)) - sinkCpu0;
    console.log(
      `email channel: ${messages} messages over ${connections} connections, ${inFlight} in flight: ` +
        `${((used.user + used.system) / 1000 / messages).toFixed(3)} ms CPU/msg (the sink ${(sinkMs / messages).toFixed(3)}), ${(messages / s).toFixed(0)} msgs/s — ` +
        `load ${loadavg()[0].toFixed(2)}`,
    );
  } finally {
    await channel.close();
    sink.kill();
  }
}

/** The sink's CPU milliseconds so far: it may well be the bound on msgs/s (smtp-server's work per message). */
function sinkCpuMs(sink: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    sink.once('message', (m) => resolve(Number(m)));
    sink.send('cpu');
  });
}

if (process.argv.includes('--sink')) {
  void startBenchMailbox().then((mailbox) => {
    process.on('message', () => {
      const used = process.cpuUsage();
      process.send?.(String((used.user + used.system) / 1000));
    });
    process.send?.(mailbox.url);
  });
} else {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}

import { formatLogLine, formatPrefix, isNoteworthyServerLine, prefixLines } from './log-format';

const plain = { color: false };
const json = (record: Record<string, unknown>) => JSON.stringify(record);

describe('formatLogLine', () => {
  it('shows level, message and the interesting fields of a pino line', () => {
    const line = json({
      level: 'info',
      time: '2025-01-01T00:00:00.000Z',
      service: 'sales',
      msg: 'sales listening',
      url: 'http://127.0.0.1:4002',
    });
    expect(formatLogLine(line, plain)).toBe('info  sales listening  url=http://127.0.0.1:4002');
  });

  it('understands numeric pino levels', () => {
    expect(formatLogLine(json({ level: 40, msg: 'slow' }), plain)).toBe('warn  slow');
    expect(formatLogLine(json({ level: 60, msg: 'dead' }), plain)).toBe('fatal dead');
  });

  it('quotes values with spaces, renders objects as JSON and truncates long values', () => {
    const out = formatLogLine(json({ level: 'info', msg: 'm', who: 'a b', n: 3, list: ['x'], long: 'y'.repeat(200) }), plain);
    expect(out).toBe(`info  m  who="a b" n=3 list=["x"] long=${'y'.repeat(79)}…`);
  });

  it('caps the number of fields and says how many were left out', () => {
    const out = formatLogLine(json({ level: 'info', msg: 'm', a: 1, b: 2, c: 3 }), { color: false, maxFields: 2 });
    expect(out).toBe('info  m  a=1 b=2 +1 more');
  });

  it('puts the Nest context last', () => {
    expect(formatLogLine(json({ level: 'info', msg: 'Mapped {/graphql, POST} route', context: 'RouterExplorer' }), plain)).toBe(
      'info  Mapped {/graphql, POST} route  (RouterExplorer)',
    );
  });

  it('shows an error’s message, and its stack under warnings and errors', () => {
    const err = {
      type: 'Error',
      message: 'connect ECONNREFUSED',
      stack: 'Error: connect ECONNREFUSED\n    at a (x.js:1:1)\n    at b (y.js:2:2)',
    };
    expect(formatLogLine(json({ level: 'error', msg: 'relay failed', err }), plain)).toBe(
      'error relay failed  err="connect ECONNREFUSED"\n    at a (x.js:1:1)\n    at b (y.js:2:2)',
    );
    expect(formatLogLine(json({ level: 'info', msg: 'retrying', err }), plain)).toBe('info  retrying  err="connect ECONNREFUSED"');
    expect(formatLogLine(json({ level: 'error', err: { message: 'boom' } }), plain)).toBe('error boom');
  });

  it('shows a Nest error trace', () => {
    expect(formatLogLine(json({ level: 'error', msg: 'failed', trace: 'Error: x\n    at y' }), plain)).toBe('error failed\n    at y');
  });

  it('passes through anything that is not a JSON log line', () => {
    expect(formatLogLine('TypeError: boom', plain)).toBe('TypeError: boom');
    expect(formatLogLine('{"truncated": ', plain)).toBe('{"truncated":');
    expect(formatLogLine('{"not":"a log line"}', plain)).toBe('{"not":"a log line"}');
    expect(formatLogLine('    at Object.<anonymous> (main.js:1:1)', plain)).toBe('    at Object.<anonymous> (main.js:1:1)');
  });

  it('colours the level only when asked', () => {
    const out = formatLogLine(json({ level: 'warn', msg: 'careful' }), { color: true });
    expect(out).toContain('\x1b[33mwarn \x1b[0m careful');
  });
});

describe('prefixes', () => {
  it('pads names to one width and prefixes every line', () => {
    const prefix = formatPrefix('sales', 8, 'cyan', false);
    expect(prefix).toBe('[sales]   ');
    expect(prefixLines(prefix, 'a\nb')).toBe('[sales]    a\n[sales]    b');
  });
});

describe('isNoteworthyServerLine', () => {
  it('keeps NATS warnings and errors only', () => {
    expect(isNoteworthyServerLine('nats', '[123] 2025/01/01 10:00:00.000000 [INF] Server is ready')).toBe(false);
    expect(isNoteworthyServerLine('nats', '[123] 2025/01/01 10:00:00.000000 [WRN] Plaintext passwords detected')).toBe(true);
    expect(isNoteworthyServerLine('nats', '[123] 2025/01/01 10:00:00.000000 [FTL] Error listening on port')).toBe(true);
  });

  it('keeps Redis problems but not its start-up banner', () => {
    expect(isNoteworthyServerLine('redis', '1:C 01 Jan 2025 10:00:00.000 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo')).toBe(false);
    expect(isNoteworthyServerLine('redis', '1:M 01 Jan 2025 10:00:00.000 * Ready to accept connections tcp')).toBe(false);
    expect(isNoteworthyServerLine('redis', '1:M 01 Jan 2025 10:00:00.000 # Warning: Could not create server TCP listening socket')).toBe(
      true,
    );
    expect(isNoteworthyServerLine('redis', '1:M 01 Jan 2025 10:00:00.000 # Failed listening on port 6379 (tcp), aborting.')).toBe(true);
  });

  it('keeps Postgres warnings and errors', () => {
    expect(isNoteworthyServerLine('postgres', '2025-01-01 10:00:00 UTC [1] LOG:  database system is ready to accept connections')).toBe(
      false,
    );
    expect(isNoteworthyServerLine('postgres', '2025-01-01 10:00:00 UTC [1] FATAL:  could not create any TCP/IP sockets')).toBe(true);
  });
});

/**
 * A message's text as it goes on the wire after DATA, terminating dot
 * included: what nodemailer's `DataStream` writes for it (a dot at the start
 * of a line doubled, bare CR and bare LF turned into CRLF, a dot after a
 * bare CR stuffed too, then `.` on a line of its own). The pipelined session
 * (smtp-pipeline.ts) writes it together with the next message's envelope;
 * smtp-data.spec checks it against `DataStream` byte for byte.
 */
export function smtpData(raw: string | Buffer): string | Buffer {
  // The text the channel writes (mime-message.ts) has CRLF line ends and no leading dots, nearly always:
  // checked line by line with indexOf rather than byte by byte.
  if (typeof raw === 'string' && asItIs(raw)) return raw + (raw.endsWith('\n') ? '.\r\n' : '\r\n.\r\n');
  return escaped(typeof raw === 'string' ? Buffer.from(raw) : raw);
}

/**
 * No dot at the start of a line, no bare CR, no bare LF: nothing to escape
 * (UTF-8 never has these bytes inside a character, so the string's
 * characters tell what its bytes are).
 */
function asItIs(raw: string): boolean {
  if (raw.charCodeAt(0) === 0x2e || raw.includes('\n.')) return false;
  for (let i = raw.indexOf('\r'); i !== -1; i = raw.indexOf('\r', i + 1)) if (raw.charCodeAt(i + 1) !== 0x0a) return false;
  for (let i = raw.indexOf('\n'); i !== -1; i = raw.indexOf('\n', i + 1)) if (raw.charCodeAt(i - 1) !== 0x0d) return false;
  return true;
}

const LF = Buffer.from('\n');
const LF_DOT = Buffer.from('\n.');
const CR = Buffer.from('\r');
const DOT = Buffer.from('.');

/** DataStream's transform and flush, for the whole text at once. */
function escaped(chunk: Buffer): Buffer {
  const parts: Buffer[] = [];
  let lastPos = 0;
  for (let i = 0; i < chunk.length; i++) {
    const byte = chunk[i];
    const prev = i > 0 ? chunk[i - 1] : -1;
    let insert: Buffer | null = null;
    if (prev === 0x0d && byte !== 0x0a) insert = byte === 0x2e ? LF_DOT : LF;
    else if (byte === 0x0a && prev !== 0x0d) insert = CR;
    else if (byte === 0x2e && (prev === 0x0a || prev === -1)) insert = DOT;
    if (insert) {
      if (i > lastPos) parts.push(chunk.subarray(lastPos, i));
      parts.push(insert);
      lastPos = i;
    }
  }
  if (lastPos < chunk.length) parts.push(chunk.subarray(lastPos));
  const last = chunk.length > 0 ? chunk[chunk.length - 1] : -1;
  parts.push(Buffer.from(last === 0x0a ? '.\r\n' : last === 0x0d ? '\n.\r\n' : '\r\n.\r\n'));
  return Buffer.concat(parts);
}

/**
 * A file name for a received message that sorts by arrival and says what it
 * is: `20260501T100005123Z-000001-<message-id local part>.eml`. Only
 * `[A-Za-z0-9._-]` survive from the Message-ID, so a sender cannot steer the
 * path.
 */
export function emlFileName(raw: Buffer | string, receivedAt: Date, sequence: number): string {
  const stamp = receivedAt.toISOString().replace(/[-:.]/g, '');
  const id = messageIdOf(raw);
  const label =
    id === undefined
      ? ''
      : `-${id
          .replace(/[^A-Za-z0-9._-]+/g, '_')
          .replace(/^[._]+/, '')
          .slice(0, 80)}`;
  return `${stamp}-${String(sequence).padStart(6, '0')}${label === '-' ? '' : label}.eml`;
}

/** The left half of the Message-ID header, read from the header block only. */
export function messageIdOf(raw: Buffer | string): string | undefined {
  const text = typeof raw === 'string' ? raw : raw.subarray(0, 64 * 1024).toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  const headers = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n(?=[ \t])/g, '');
  const match = /^message-id:\s*<([^@>\s]+)(@[^>\s]*)?>/im.exec(headers);
  return match?.[1];
}

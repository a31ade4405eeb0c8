import type { ParkedEvent, ReplayResult } from '@rapport/messaging';

const ERROR_WIDTH = 80;

/** One line per parked event under a header, columns padded to fit. */
export function parkedTable(events: readonly ParkedEvent[]): string[] {
  if (events.length === 0) return ['no parked events'];
  const rows = events.map((e) => [
    e.id,
    e.consumer,
    e.envelope?.type ?? '(not an envelope)',
    e.envelope?.tenantId ?? '-',
    e.envelope?.id ?? '-',
    String(e.attempts),
    e.parkedAt,
    oneLine(e.error),
  ]);
  const header = ['ID', 'CONSUMER', 'TYPE', 'TENANT', 'EVENT', 'ATTEMPTS', 'PARKED AT', 'ERROR'];
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, col) => (col === cells.length - 1 ? c : c.padEnd(widths[col])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line), `${events.length} parked`];
}

export function replayLine(result: ReplayResult): string {
  const what: Record<ReplayResult['outcome'], string> = {
    applied: 'applied',
    'already-applied': 'was already applied; removed from the dead letter',
    gone: 'is not parked (already replayed or discarded)',
    failed: 'not replayed',
    refused: 'not replayed (refused)',
  };
  return `${result.id} ${what[result.outcome]}${result.error ? `: ${oneLine(result.error)}` : ''}`;
}

export function discardLine(id: string, discarded: ParkedEvent | null): string {
  if (!discarded) return `${id} is not parked (already replayed or discarded)`;
  const what = discarded.envelope ? `${discarded.envelope.type} ${discarded.envelope.id}` : 'a message that was not an event';
  return `discarded ${id}: ${what} for ${discarded.consumer} (parked ${discarded.parkedAt}: ${oneLine(discarded.error)})`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > ERROR_WIDTH ? `${flat.slice(0, ERROR_WIDTH - 1)}…` : flat;
}

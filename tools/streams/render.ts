import type { ResealReport } from '@rapport/messaging';

/** One line per stream: what the run found and did. */
export function resealLine(r: ResealReport): string {
  const counts = `${r.messages} messages, ${r.readable} with readable personal values (${r.erased} about people already erased)`;
  switch (r.outcome) {
    case 'empty':
      return `${r.stream}: empty`;
    case 'nothing-to-seal':
      return `${r.stream}: ${r.messages} messages, nothing readable to seal`;
    case 'would-reseal':
      return `${r.stream}: would reseal: ${counts}${r.reason ? `; ${r.reason}` : ''}`;
    case 'resealed':
      return `${r.stream}: resealed: ${counts}; consumers moved: ${r.consumersMoved.join(', ') || 'none'}`;
    case 'refused':
      return `${r.stream}: not resealed: ${r.reason}`;
  }
}

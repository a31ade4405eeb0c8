import type { InboundAttachment } from './inbound-message';

/** Splits attachments into those kept and a note for each refused one (too large), to add to the case. */
export function sortAttachments(attachments: InboundAttachment[], maxBytes: number): { kept: InboundAttachment[]; notes: string[] } {
  const kept: InboundAttachment[] = [];
  const notes: string[] = [];
  for (const a of attachments) {
    if (a.size <= maxBytes) kept.push(a);
    else
      notes.push(`Attachment "${a.fileName}" (${formatBytes(a.size)}) was not kept: attachments may be at most ${formatBytes(maxBytes)}.`);
  }
  return { kept, notes };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** Case text (description or comment) within its limit, with the notes at the end. */
export function caseText(body: string, notes: string[], max: number): string {
  const tail = notes.length > 0 ? `\n\n${notes.join('\n')}` : '';
  const text = body.trim() || '(no text)';
  const room = max - tail.length;
  const marker = `\n[… cut at ${max} characters]`;
  const cut = text.length > room ? `${text.slice(0, Math.max(0, room - marker.length))}${marker}` : text;
  return cut + tail;
}

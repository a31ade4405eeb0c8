import { caseText, sortAttachments } from './attachment-notes';

const file = (fileName: string, size: number) => ({ fileName, contentType: 'application/pdf', size, content: Buffer.alloc(0) });

describe('attachments within the limit', () => {
  it('keeps those within the limit and notes each refused one', () => {
    const { kept, notes } = sortAttachments([file('small.pdf', 1000), file('exact.pdf', 2048), file('big.pdf', 3 * 1024 * 1024)], 2048);
    expect(kept.map((a) => a.fileName)).toEqual(['small.pdf', 'exact.pdf']);
    expect(notes).toEqual(['Attachment "big.pdf" (3.0 MB) was not kept: attachments may be at most 2.0 KB.']);
  });

  it('puts the notes after the text and cuts the text, never the notes, to the limit', () => {
    expect(caseText('Hello', ['note'], 100)).toBe('Hello\n\nnote');
    expect(caseText('  ', [], 100)).toBe('(no text)');
    const long = caseText('x'.repeat(500), ['note'], 200);
    expect(long.length).toBeLessThanOrEqual(200);
    expect(long.endsWith('\n\nnote')).toBe(true);
  });
});

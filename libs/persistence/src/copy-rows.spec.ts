import { copyText } from './copy-rows';

describe('copyText (COPY text format)', () => {
  it('writes NULL as \\N and escapes what would end a cell or a row', () => {
    expect(copyText(null)).toBe('\\N');
    expect(copyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyText('\\N')).toBe('\\\\N');
    expect(copyText(12.5)).toBe('12.5');
    expect(copyText(true)).toBe('true');
  });
});

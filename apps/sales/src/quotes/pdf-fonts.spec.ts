import { fontRuns, fontsFor } from './pdf-fonts';

describe('fontRuns', () => {
  const latinOnly = (cp: number) => cp < 0x2e80;
  const cjk = (cp: number) => cp >= 0x2e80;

  it('keeps text one run when the primary font has every glyph', () => {
    expect(fontRuns('Quote Q-1 Привет', [latinOnly, cjk])).toEqual([{ font: 0, text: 'Quote Q-1 Привет' }]);
  });

  it('falls back per character and keeps spaces in the current run', () => {
    expect(fontRuns('Tea 茶 叶 (box)', [latinOnly, cjk])).toEqual([
      { font: 0, text: 'Tea ' },
      { font: 1, text: '茶 叶 ' },
      { font: 0, text: '(box)' },
    ]);
  });

  it('leaves a character no font has in the current run, and an empty text no run', () => {
    expect(fontRuns('a\u{1F600}b', [(cp) => cp < 0x80])).toEqual([{ font: 0, text: 'a\u{1F600}b' }]);
    expect(fontRuns('', [latinOnly])).toEqual([]);
  });
});

describe('the shipped fonts', () => {
  it('cover Latin, Greek and Cyrillic in DejaVu Sans and CJK in the fallback', () => {
    const [dejavu, noto] = fontsFor('regular');
    for (const ch of 'Aé€ΩжЖ') expect(dejavu.covers(ch.codePointAt(0)!)).toBe(true);
    expect(dejavu.covers('中'.codePointAt(0)!)).toBe(false);
    for (const ch of '中文报价日本語') expect(noto.covers(ch.codePointAt(0)!)).toBe(true);
    expect(fontsFor('bold')[0].name).toBe('DejaVuSans-Bold');
  });
});

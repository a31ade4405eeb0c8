import { readFileSync } from 'node:fs';
import * as fontkit from 'fontkit';

/**
 * Fonts of the quote PDF. The standard PDF fonts (Helvetica…) only know
 * WinAnsi, so Cyrillic, Greek or CJK came out as garbage. Text is set in
 * DejaVu Sans (Latin, Greek, Cyrillic and much more; package
 * dejavu-fonts-ttf, Bitstream Vera/DejaVu licence) and each character DejaVu
 * lacks falls back to Noto Sans SC (CJK; @expo-google-fonts/noto-sans-sc,
 * OFL-1.1). Both are TTF files shipped in npm packages and embedded as
 * subsets, so a PDF only carries the glyphs it uses.
 */
export type FontWeight = 'regular' | 'bold';

interface FontFile {
  /** Name registered with pdfkit. */
  name: string;
  path: string;
}

/** Per weight, in fallback order. Noto Sans SC has one weight here: CJK in bold cells is set regular. */
const FONTS: Record<FontWeight, FontFile[]> = {
  regular: [
    { name: 'DejaVuSans', path: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf') },
    { name: 'NotoSansSC', path: require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf') },
  ],
  bold: [
    { name: 'DejaVuSans-Bold', path: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf') },
    { name: 'NotoSansSC', path: require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf') },
  ],
};

interface LoadedFont {
  name: string;
  bytes: Buffer;
  covers: (codePoint: number) => boolean;
}

/** Read once per process (the CJK file is about 10 MB); pdfkit parses only the tables it needs per document. */
const loaded = new Map<string, LoadedFont>();

function load(file: FontFile): LoadedFont {
  let font = loaded.get(file.name);
  if (!font) {
    const bytes = readFileSync(file.path);
    const parsed = fontkit.create(bytes) as fontkit.Font;
    font = { name: file.name, bytes, covers: (cp) => parsed.hasGlyphForCodePoint(cp) };
    loaded.set(file.name, font);
  }
  return font;
}

/** The fonts of a weight in fallback order, loaded. */
export function fontsFor(weight: FontWeight): LoadedFont[] {
  return FONTS[weight].map(load);
}

/** Every font file, for registering with a document. */
export function allFonts(): LoadedFont[] {
  return [...new Map([...FONTS.regular, ...FONTS.bold].map((f) => [f.name, f])).values()].map(load);
}

export interface FontRun {
  /** Index into the fallback list. */
  font: number;
  text: string;
}

/**
 * Splits text into runs, each in the first font that has a glyph for its
 * characters. Whitespace and characters no font has stay in the current
 * run's font (so a space between two CJK words does not switch fonts; a
 * missing glyph shows as the primary font's box rather than vanishing).
 */
export function fontRuns(text: string, covers: ((codePoint: number) => boolean)[]): FontRun[] {
  const runs: FontRun[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    const found = /\s/.test(ch) ? -1 : covers.findIndex((c) => c(cp));
    const last = runs[runs.length - 1];
    const font = found >= 0 ? found : (last?.font ?? 0);
    if (last && last.font === font) last.text += ch;
    else runs.push({ font, text: ch });
  }
  return runs;
}

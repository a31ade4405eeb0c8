/**
 * The text of an uncompressed pdfkit document (compress: false): pdfkit
 * writes each text run as hex strings inside TJ arrays. For tests and
 * diagnostics only; not a general PDF parser.
 */
export function pdfText(pdf: Buffer): string {
  const source = pdf.toString('latin1');
  const runs: string[] = [];
  for (const tj of source.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
    runs.push([...tj[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1], 'hex').toString('latin1')).join(''));
  }
  return runs.join('\n');
}

import { execFile } from 'node:child_process';

/**
 * Reads the PDF from stdin and prints its text. Runs in a plain Node
 * process: pdf.js loads its worker with a dynamic import(), which Jest's
 * module sandbox refuses.
 */
const EXTRACT = `
const { PDFParse } = require('pdf-parse');
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const parser = new PDFParse({ data: new Uint8Array(Buffer.concat(chunks)) });
  try { process.stdout.write((await parser.getText()).text); } finally { await parser.destroy(); }
});
`;

/**
 * The text of a PDF as a reader would copy it (pdf-parse, on Mozilla's
 * pdf.js): through each font's ToUnicode map, so it proves the document
 * maps its glyphs back to the characters it was given, in any script.
 */
export function pdfText(pdf: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['-e', EXTRACT], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`pdf text extraction failed: ${stderr || err.message}`)) : resolve(stdout),
    );
    child.stdin?.end(pdf);
  });
}

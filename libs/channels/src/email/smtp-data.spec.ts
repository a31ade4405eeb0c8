import DataStream from 'nodemailer/lib/smtp-connection/data-stream';
import { smtpData } from './smtp-data';

/** What nodemailer's DataStream writes for a text handed to it in one piece. */
function nodemailerData(raw: string | Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stream = new DataStream();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
    stream.end(raw);
  });
}

describe('smtpData', () => {
  const texts = [
    'Subject: hi\r\n\r\nA\r\n',
    'Subject: hi\r\n\r\nno line end at the end',
    '.a dot first\r\n',
    'a\r\n.dot after CRLF\r\n..two\r\n',
    'bare LF\nline\n.dot after LF\n',
    'bare CR\rline\r.dot after CR\r',
    'CR at the end\r',
    'mixed\r\n\n\r\r\n.\r\n',
    'Zoë, 日本語 ✓\r\n.ünïcode\r\n',
    '',
    '.',
    '\r\n.\r\n',
  ];

  it.each(texts.map((t) => [JSON.stringify(t), t]))('writes %s as nodemailer does, from a string and from a Buffer', async (_, text) => {
    const expected = await nodemailerData(text);
    expect(Buffer.from(smtpData(text))).toEqual(expected);
    expect(Buffer.from(smtpData(Buffer.from(text)))).toEqual(expected);
  });
});

import { emlFileName, messageIdOf } from './eml-file-name';

const at = new Date('2026-05-01T10:00:05.123Z');

describe('emlFileName', () => {
  it('sorts by arrival and carries the Message-ID', () => {
    const raw = 'From: a@x.test\r\nMessage-ID: <0190f5a4-7c1e@mail.rapport.test>\r\nSubject: hi\r\n\r\nbody';
    expect(emlFileName(raw, at, 7)).toBe('20260501T100005123Z-000007-0190f5a4-7c1e.eml');
  });

  it('reads a folded Message-ID and ignores one in the body', () => {
    expect(messageIdOf('Subject: x\nMessage-ID:\n <m-1@x>\n\nbody')).toBe('m-1');
    expect(messageIdOf('Subject: x\r\n\r\nMessage-ID: <in-body@x>')).toBeUndefined();
  });

  it('keeps a hostile Message-ID out of the path', () => {
    expect(emlFileName('Message-ID: <../../etc/passwd@x>\r\n\r\n', at, 1)).toBe('20260501T100005123Z-000001-etc_passwd.eml');
    expect(emlFileName('Subject: none\r\n\r\n', at, 2)).toBe('20260501T100005123Z-000002.eml');
  });
});

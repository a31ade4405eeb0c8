import { ChannelConfigurationError } from '../errors';
import { parseSmtpUrl } from './smtp-url';

describe('parseSmtpUrl', () => {
  it('reads host, port and percent-encoded credentials', () => {
    expect(parseSmtpUrl('smtp://mailer:p%40ss%3Aword@mail.example.com:2525')).toEqual({
      host: 'mail.example.com',
      port: 2525,
      secure: false,
      auth: { user: 'mailer', pass: 'p@ss:word' },
    });
  });

  it('defaults to submission (587, STARTTLS) for smtp and 465 with TLS for smtps', () => {
    expect(parseSmtpUrl('smtp://mail.example.com')).toEqual({ host: 'mail.example.com', port: 587, secure: false });
    expect(parseSmtpUrl('smtps://u:p@mail.example.com/')).toEqual({
      host: 'mail.example.com',
      port: 465,
      secure: true,
      auth: { user: 'u', pass: 'p' },
    });
    expect(parseSmtpUrl('smtp://[::1]:25')).toMatchObject({ host: '::1', port: 25 });
  });

  it('refuses what it cannot honour, without echoing the password', () => {
    const cases: Array<[string, RegExp]> = [
      ['mail.example.com', /is not a URL/],
      ['http://mail.example.com', /protocol must be smtp or smtps/],
      ['smtp://u:secret@mail.example.com/?pool=true', /smtp:\/\/u:\*\*\*@mail\.example\.com\/\?pool=true: has a path, query or fragment/],
      ['smtp://u:%E0%A4%A@mail.example.com', /not correctly percent-encoded/],
    ];
    for (const [url, message] of cases) {
      let error: unknown;
      try {
        parseSmtpUrl(url);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ChannelConfigurationError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('secret');
    }
  });
});

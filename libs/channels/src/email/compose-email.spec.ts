import { InvalidMessageError } from '../errors';
import type { EmailMessage } from '../message';
import { composeEmail, messageIdFromHeader, messageIdHeader } from './compose-email';
import { parseSender } from './sender';

const sender = parseSender('Rapport News <news@mail.rapport.test>');
const message: EmailMessage = {
  messageId: '0190f5a4-7c1e-7b3a-9d2e-5f4c3b2a1908',
  to: 'ada@example.com',
  subject: 'Spring offer',
  text: 'Hello Ada',
  html: '<p>Hello Ada</p>',
};

describe('composeEmail', () => {
  it('sets the From, a Message-ID carrying our id and the correlation header', () => {
    const mail = composeEmail(message, sender);
    expect(mail).toMatchObject({
      from: 'Rapport News <news@mail.rapport.test>',
      to: 'ada@example.com',
      subject: 'Spring offer',
      text: 'Hello Ada',
      html: '<p>Hello Ada</p>',
      messageId: '<0190f5a4-7c1e-7b3a-9d2e-5f4c3b2a1908@mail.rapport.test>',
    });
    expect(mail.headers).toEqual({ 'X-Rapport-Message-Id': message.messageId });
    expect(mail.list).toBeUndefined();
  });

  it('adds List-Unsubscribe, and the one-click header only for https (RFC 8058)', () => {
    const https = composeEmail({ ...message, unsubscribeUrl: 'https://rapport.test/u/tok 1' }, sender);
    expect(https.list).toEqual({ unsubscribe: 'https://rapport.test/u/tok%201' });
    expect(https.headers).toMatchObject({ 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
    const http = composeEmail({ ...message, unsubscribeUrl: 'http://localhost:4005/u/tok' }, sender);
    expect(http.list).toEqual({ unsubscribe: 'http://localhost:4005/u/tok' });
    expect(http.headers).not.toHaveProperty('List-Unsubscribe-Post');
  });

  it('writes metadata and extra headers', () => {
    const mail = composeEmail(
      { ...message, metadata: { tenant: 't1', campaign: 'c9' }, headers: { 'Feedback-ID': 'c9:t1:rapport' } },
      sender,
    );
    expect(mail.headers).toEqual({
      'Feedback-ID': 'c9:t1:rapport',
      'X-Rapport-Message-Id': message.messageId,
      'X-Rapport-Meta-tenant': 't1',
      'X-Rapport-Meta-campaign': 'c9',
    });
  });

  it('accepts text alone or html alone', () => {
    expect(composeEmail({ ...message, html: undefined }, sender)).not.toHaveProperty('html');
    expect(composeEmail({ ...message, text: undefined }, sender)).not.toHaveProperty('text');
  });

  it.each<[string, Partial<EmailMessage>, string]>([
    ['no body', { text: undefined, html: undefined }, 'text: an email needs text, html or both'],
    ['an empty subject', { subject: ' ' }, 'subject: must be a non-empty string'],
    ['a header injected through the subject', { subject: 'Hi\r\nBcc: all@example.com' }, 'subject: must not contain line breaks'],
    [
      'a header injected through a value',
      { headers: { 'X-Campaign': 'c1\nBcc: x@y.z' } },
      'headers.X-Campaign: must not contain line breaks',
    ],
    ['an override of a header the channel owns', { headers: { 'Message-ID': '<x@y>' } }, 'headers.Message-ID: is set by the email channel'],
    ['an override of a content header', { headers: { 'Content-Type': 'text/plain' } }, 'headers.Content-Type: is set by the email channel'],
    ['a bad header name', { headers: { 'X Campaign': 'c1' } }, 'headers.X Campaign: is not a header name'],
    ['a bad metadata key', { metadata: { 'campaign id': 'c1' } }, 'metadata.campaign id: keys are letters'],
    ['an id that cannot be a Message-ID', { messageId: 'a b@c' }, 'messageId: must be letters'],
    ['a javascript: unsubscribe link', { unsubscribeUrl: 'javascript:alert(1)' }, 'unsubscribeUrl: must be an https, http or mailto URL'],
    ['an unsubscribe link that is no URL', { unsubscribeUrl: '/u/123' }, 'unsubscribeUrl: not a URL'],
  ])('refuses %s, naming the field', (_case, change, problem) => {
    const compose = (): unknown => composeEmail({ ...message, ...change }, sender);
    expect(compose).toThrow(InvalidMessageError);
    expect(compose).toThrow(problem);
  });
});

describe('Message-ID round trip', () => {
  it('finds our id in a Message-ID of our domain only', () => {
    const header = messageIdHeader('m-1.2', 'mail.rapport.test');
    expect(header).toBe('<m-1.2@mail.rapport.test>');
    expect(messageIdFromHeader(` ${header} `, 'MAIL.rapport.test')).toBe('m-1.2');
    expect(messageIdFromHeader('<m-1@elsewhere.test>', 'mail.rapport.test')).toBeNull();
    expect(messageIdFromHeader('m-1@mail.rapport.test', 'mail.rapport.test')).toBeNull();
  });
});

describe('parseSender', () => {
  it('takes an address with or without a display name and uses its domain', () => {
    expect(parseSender('news@Mail.Example.com')).toEqual({
      from: 'news@Mail.Example.com',
      name: '',
      address: 'news@Mail.Example.com',
      domain: 'mail.example.com',
    });
    expect(parseSender('"News, daily" <news@example.com>').domain).toBe('example.com');
  });

  it('refuses anything but one address', () => {
    expect(() => parseSender('news')).toThrow(/email From "news": no email address/);
    expect(() => parseSender('a@example.com, b@example.com')).toThrow(/expected exactly one address/);
  });
});

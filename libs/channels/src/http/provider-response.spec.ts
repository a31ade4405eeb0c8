import { ChannelConfigurationError, TransientChannelError } from '../errors';
import { classifyFetchFailure, classifyProviderResponse, parseRetryAfter } from './provider-response';

const P = 'SMS provider https://sms.example/v1/messages';
const now = new Date('2026-05-01T10:00:00Z');

describe('classifyProviderResponse', () => {
  it('reads the provider id from a 2xx answer', () => {
    expect(classifyProviderResponse(P, 202, { id: 'sm-1', extra: true }, null)).toEqual({ status: 'SENT', providerMessageId: 'sm-1' });
    expect(classifyProviderResponse(P, 200, { id: 'sm-2' }, null)).toEqual({ status: 'SENT', providerMessageId: 'sm-2' });
  });

  it('bounces a refusal with a reason', () => {
    expect(classifyProviderResponse(P, 400, { error: 'number not in service' }, null)).toEqual({
      status: 'BOUNCED',
      reason: 'number not in service',
      code: '400',
    });
    expect(classifyProviderResponse(P, 410, { error: 'device token unregistered' }, null)).toMatchObject({
      status: 'BOUNCED',
      code: '410',
    });
  });

  it('retries 408, 425, 429 and 5xx, with the Retry-After they ask for', () => {
    for (const status of [408, 425, 429, 500, 502, 503, 504]) {
      expect(classifyProviderResponse(P, status, 'Service Unavailable', null)).toBeInstanceOf(TransientChannelError);
    }
    const limited = classifyProviderResponse(P, 429, { error: 'slow down' }, '7', now);
    expect(limited).toMatchObject({ code: '429', retryAfterMs: 7000, retryable: true, message: `${P} answered 429: slow down` });
    expect(classifyProviderResponse(P, 503, '', 'Fri, 01 May 2026 10:00:30 GMT', now)).toMatchObject({ retryAfterMs: 30_000 });
    expect(classifyProviderResponse(P, 503, '', null, now)).toMatchObject({ retryAfterMs: undefined });
  });

  it('never bounces what looks like our own misconfiguration', () => {
    const cases: Array<[number, unknown, RegExp]> = [
      [401, { error: 'bad key' }, /refused our API key \(401: bad key\)/],
      [403, '', /refused our API key \(403\)/],
      [404, '<html>Not Found</html>', /answered 404 without \{"error": "…"\}; check the provider URL/],
      [405, { error: 'method not allowed' }, /answered 405: method not allowed/],
      [200, '<html>welcome</html>', /answered 200 without a message id/],
      [201, { id: '' }, /without a message id/],
    ];
    for (const [status, body, message] of cases) {
      const outcome = classifyProviderResponse(P, status, body, null);
      expect(outcome).toBeInstanceOf(ChannelConfigurationError);
      expect((outcome as Error).message).toMatch(message);
    }
  });
});

describe('parseRetryAfter', () => {
  it('takes seconds or an HTTP date, and ignores nonsense', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Fri, 01 May 2026 09:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('classifyFetchFailure', () => {
  it('makes timeouts, aborts and network failures transient', () => {
    const timeout = classifyFetchFailure(P, new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 2500);
    expect(timeout).toMatchObject({ code: 'TIMEOUT', message: `${P} did not answer within 2500 ms` });
    expect(timeout).toBeInstanceOf(TransientChannelError);
    expect(classifyFetchFailure(P, new DOMException('This operation was aborted', 'AbortError'), 1)).toMatchObject({ code: 'ABORTED' });
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    });
    expect(classifyFetchFailure(P, refused, 1)).toMatchObject({
      code: 'ECONNREFUSED',
      message: `${P} unreachable: connect ECONNREFUSED 127.0.0.1:9`,
    });
  });

  it('hands back what is not a fetch failure', () => {
    const bug = new RangeError('out of range');
    expect(classifyFetchFailure(P, bug, 1)).toBe(bug);
  });
});

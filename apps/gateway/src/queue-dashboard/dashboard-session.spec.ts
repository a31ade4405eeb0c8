import { cookieValue, sessionCookieValue, tokenOfSession } from './dashboard-session';

describe('queue dashboard session cookie', () => {
  const secret = 'a-gateway-secret-of-enough-length';

  it('gives back the token of a cookie the gateway issued', () => {
    expect(tokenOfSession(secret, sessionCookieValue(secret, 'eyJ.a.b'))).toBe('eyJ.a.b');
  });

  it('refuses a bare token, a forged or altered MAC, and another secret', () => {
    const issued = sessionCookieValue(secret, 'eyJ.a.b');
    expect(tokenOfSession(secret, 'eyJ.a.b')).toBeNull();
    expect(tokenOfSession(secret, `eyJ.a.c~${issued.split('~')[1]}`)).toBeNull();
    expect(tokenOfSession(secret, `${issued}x`)).toBeNull();
    expect(tokenOfSession('another-secret-of-enough-length', issued)).toBeNull();
    expect(tokenOfSession(secret, undefined)).toBeNull();
  });

  it('reads one cookie out of a Cookie header', () => {
    expect(cookieValue('a=1; rapport_queues=x%7Ey; b=2', 'rapport_queues')).toBe('x~y');
    expect(cookieValue('a=1', 'rapport_queues')).toBeUndefined();
    expect(cookieValue(undefined, 'rapport_queues')).toBeUndefined();
  });
});

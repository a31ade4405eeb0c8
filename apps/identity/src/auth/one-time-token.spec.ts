import { hashOneTimeToken, looksLikeOneTimeToken, newOneTimeToken } from './one-time-token';

describe('one-time tokens', () => {
  it('are 256 random bits in base64url, stored as their SHA-256', () => {
    const a = newOneTimeToken();
    const b = newOneTimeToken();
    expect(a.token).not.toBe(b.token);
    expect(Buffer.from(a.token, 'base64url')).toHaveLength(32);
    expect(looksLikeOneTimeToken(a.token)).toBe(true);
    expect(a.hash).toBe(hashOneTimeToken(a.token));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).not.toContain(a.token);
  });

  it('refuses what cannot be a token', () => {
    expect(looksLikeOneTimeToken('')).toBe(false);
    expect(looksLikeOneTimeToken('x'.repeat(42))).toBe(false);
    expect(looksLikeOneTimeToken(`${'x'.repeat(42)}=`)).toBe(false);
  });
});

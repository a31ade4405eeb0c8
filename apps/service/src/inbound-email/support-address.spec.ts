import { newReplyToken, parseSupportAddress, replyAddress, subjectToken, subjectWithToken } from './support-address';

describe('support addresses', () => {
  it('reads the tenant slug and the reply token, whatever the case', () => {
    const token = newReplyToken();
    expect(parseSupportAddress('Acme@Support.Example.com', 'support.example.com')).toEqual({ slug: 'acme', token: null });
    expect(parseSupportAddress(replyAddress('acme', 'support.example.com', token).toUpperCase(), 'support.example.com')).toEqual({
      slug: 'acme',
      token,
    });
  });

  it('is not ours at another domain, and a malformed tag is no token', () => {
    expect(parseSupportAddress('acme@example.com', 'support.example.com')).toBeNull();
    expect(parseSupportAddress('no-at-sign', 'support.example.com')).toBeNull();
    expect(parseSupportAddress('acme+guess@support.example.com', 'support.example.com')).toEqual({ slug: 'acme', token: null });
  });

  it('makes 100-bit lower-case base32 tokens, different each time', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => newReplyToken()));
    expect(tokens.size).toBe(1000);
    for (const t of tokens) expect(t).toMatch(/^[a-z2-7]{20}$/);
  });

  it('finds the token in a subject and adds it once', () => {
    const token = newReplyToken();
    const subject = subjectWithToken('Re: Kettle', token);
    expect(subject).toBe(`Re: Kettle [ref:${token}]`);
    expect(subjectWithToken(subject, token)).toBe(subject);
    expect(subjectToken(`AW: ${subject.toUpperCase()}`)).toBe(token);
    expect(subjectToken('Re: Kettle [ref:short]')).toBeNull();
  });
});

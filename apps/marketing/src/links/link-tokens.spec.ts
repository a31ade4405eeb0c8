import { linkKey, signLink, verifyLink } from './link-tokens';

const TENANT = '0190a1b2-0000-7000-8000-000000000001';
const MESSAGE = '0190a1b2-0000-7000-8000-000000000002';

describe('signed links', () => {
  it('round-trips every kind of payload', () => {
    for (const payload of [
      { k: 'unsubscribe', t: TENANT, m: MESSAGE },
      { k: 'open', t: TENANT, m: MESSAGE },
      { k: 'click', t: TENANT, m: MESSAGE, u: 'https://shop.example.com/offer?x=1' },
      { k: 'confirm', t: TENANT, c: MESSAGE },
    ] as const) {
      expect(verifyLink('secret', signLink('secret', payload))).toEqual(payload);
    }
  });

  it('signs with the secret made a key object exactly as with its text: links sent before keep working', () => {
    const secret = 'a link secret of at least thirty-two characters, ünïcode too';
    const payload = { k: 'click', t: TENANT, m: MESSAGE, u: 'https://shop.example.com/offer?x=1' } as const;
    expect(signLink(linkKey(secret), payload)).toBe(signLink(secret, payload));
    expect(verifyLink(linkKey(secret), signLink(secret, payload))).toEqual(payload);
    expect(verifyLink(secret, signLink(linkKey(secret), payload))).toEqual(payload);
    expect(verifyLink(linkKey('another secret'), signLink(secret, payload))).toBeNull();
  });

  it('refuses a token signed with another secret', () => {
    expect(verifyLink('other', signLink('secret', { k: 'open', t: TENANT, m: MESSAGE }))).toBeNull();
  });

  it('refuses a tampered payload', () => {
    const token = signLink('secret', { k: 'unsubscribe', t: TENANT, m: MESSAGE });
    const [, sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ k: 'unsubscribe', t: TENANT, m: TENANT })).toString('base64url');
    expect(verifyLink('secret', `${forged}.${sig}`)).toBeNull();
  });

  it('refuses garbage and well-signed payloads of the wrong shape', () => {
    for (const token of ['', '.', 'abc', 'a.b', `${'x'.repeat(3000)}.y`]) expect(verifyLink('secret', token)).toBeNull();
    const bad = Buffer.from(JSON.stringify({ k: 'click', t: TENANT, m: MESSAGE, u: 'javascript:alert(1)' })).toString('base64url');
    const { createHmac } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const sig = createHmac('sha256', 'secret').update(bad).digest('base64url');
    expect(verifyLink('secret', `${bad}.${sig}`)).toBeNull();
  });

  it('accepts one spelling of the signature only', () => {
    const token = signLink('secret', { k: 'unsubscribe', t: TENANT, m: MESSAGE });
    const [body, sig] = token.split('.');
    // The last of 43 base64url characters carries 2 spare bits: flipping them decodes to the same bytes.
    const last = sig.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1];
    expect(Buffer.from(sig.slice(0, -1) + sibling, 'base64url')).toEqual(Buffer.from(sig, 'base64url'));
    expect(verifyLink('secret', `${body}.${sig.slice(0, -1)}${sibling}`)).toBeNull();
    expect(verifyLink('secret', `${body}.${sig}=`)).toBeNull();
    expect(verifyLink('secret', `${body}.${sig.slice(0, 20)}!${sig.slice(20)}`)).toBeNull();
    expect(verifyLink('secret', token)).not.toBeNull();
  });
});

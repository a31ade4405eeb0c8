import { newSealingKeyPair, openSealed, sealJson } from './sealed';

describe('sealed export answers', () => {
  const pair = newSealingKeyPair();

  it('opens with the request’s private key and hides the content in transit', () => {
    const value = { tables: { contacts: [{ first_name: 'Ada', emails: ['ada@example.test'] }] } };
    const sealed = sealJson(pair.publicKey, value);
    expect(JSON.stringify(sealed)).not.toContain('Ada');
    expect(openSealed(pair.privateKey, sealed)).toEqual(value);
  });

  it('does not open with another request’s key', () => {
    const sealed = sealJson(pair.publicKey, { a: 1 });
    expect(() => openSealed(newSealingKeyPair().privateKey, sealed)).toThrow();
  });

  it('refuses a tampered document', () => {
    const sealed = sealJson(pair.publicKey, { a: 1 });
    const data = Buffer.from(sealed.data, 'base64');
    data[0] ^= 1;
    expect(() => openSealed(pair.privateKey, { ...sealed, data: data.toString('base64') })).toThrow();
  });
});

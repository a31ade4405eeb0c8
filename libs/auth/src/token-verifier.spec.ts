import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, type AccessTokenClaims } from './principal';
import { RevocationList } from './revocation-list';
import { InvalidTokenError, TokenVerifier } from './token-verifier';

describe('TokenVerifier with a revocation list', () => {
  let privateKey: KeyLike;
  let verifier: TokenVerifier;
  let list: RevocationList;

  beforeAll(async () => {
    const pair = await generateKeyPair(TOKEN_ALGORITHM);
    privateKey = pair.privateKey;
    list = new RevocationList();
    verifier = TokenVerifier.local({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: TOKEN_ALGORITHM }] }, list);
  });

  const sign = (sub: string, claims: AccessTokenClaims) =>
    new SignJWT({ ...claims })
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: 'k1' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('15m')
      .sign(privateKey);

  it("refuses a user's token below the raised version and accepts one issued after the change", async () => {
    const before = await sign('user-a', { tid: 't', kind: 'user', roles: ['sales_manager'], ver: 0 });
    const after = await sign('user-a', { tid: 't', kind: 'user', roles: ['sales_rep'], ver: 1 });
    await expect(verifier.verify(before)).resolves.toMatchObject({ id: 'user-a', roles: ['sales_manager'] });
    list.raise({ subject: 'user-a', minVersion: 1, at: new Date() });
    await expect(verifier.verify(before)).rejects.toThrow(InvalidTokenError);
    await expect(verifier.verify(after)).resolves.toMatchObject({ id: 'user-a', roles: ['sales_rep'] });
  });

  it('refuses every token of a revoked API key and a versionless user token once its user changed', async () => {
    const keyToken = await sign('key-a', { tid: 't', kind: 'apiKey', roles: ['partner'], scopes: ['contacts:read'] });
    const legacy = await sign('user-b', { tid: 't', kind: 'user', roles: ['admin'] });
    await expect(verifier.verify(keyToken)).resolves.toMatchObject({ kind: 'apiKey' });
    list.raise({ subject: 'key-a', minVersion: Number.POSITIVE_INFINITY, at: new Date() });
    list.raise({ subject: 'user-b', minVersion: 1, at: new Date() });
    await expect(verifier.verify(keyToken)).rejects.toThrow(/revoked/);
    await expect(verifier.verify(legacy)).rejects.toThrow(/revoked/);
  });
});

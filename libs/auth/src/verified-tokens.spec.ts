import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, type AccessTokenClaims, type Principal } from './principal';
import { RevocationList } from './revocation-list';
import { InvalidTokenError, TokenVerifier } from './token-verifier';
import { VerifiedTokens } from './verified-tokens';

const principal = (id: string): Principal => ({ kind: 'user', tenantId: 't', id, roles: ['admin'], scopes: [], contactId: null });

describe('VerifiedTokens', () => {
  it('forgets a token at its expiry and after the recheck age, whichever comes first', () => {
    let now = 1_000_000;
    const tokens = new VerifiedTokens({ maxEntries: 10, maxAgeMs: 60_000 }, () => now);
    tokens.remember('soon', { principal: principal('a'), version: 0, expiresAt: now + 5_000 });
    tokens.remember('later', { principal: principal('b'), version: 0, expiresAt: now + 3_600_000 });
    now += 4_999;
    expect(tokens.get('soon')?.principal.id).toBe('a');
    now += 1;
    expect(tokens.get('soon')).toBeUndefined();
    expect(tokens.get('later')?.principal.id).toBe('b');
    now += 55_000;
    expect(tokens.get('later')).toBeUndefined();
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const tokens = new VerifiedTokens({ maxEntries: 2, maxAgeMs: 60_000 });
    tokens.remember('a', { principal: principal('a'), version: 0, expiresAt: null });
    tokens.remember('b', { principal: principal('b'), version: 0, expiresAt: null });
    tokens.get('a');
    tokens.remember('c', { principal: principal('c'), version: 0, expiresAt: null });
    expect(tokens.size).toBe(2);
    expect(tokens.get('b')).toBeUndefined();
    expect(tokens.get('a')).toBeDefined();
    expect(tokens.get('c')).toBeDefined();
  });
});

describe('TokenVerifier remembering verified tokens', () => {
  let privateKey: KeyLike;
  let otherKey: KeyLike;
  let jwk: object;

  beforeAll(async () => {
    const pair = await generateKeyPair(TOKEN_ALGORITHM);
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair(TOKEN_ALGORITHM)).privateKey;
    jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: TOKEN_ALGORITHM };
  });

  const sign = (sub: string, claims: AccessTokenClaims, key = privateKey, expiresIn = '15m') =>
    new SignJWT({ ...claims })
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: 'k1' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(key);

  it('checks a token it has already verified against the revocation list on every use', async () => {
    const list = new RevocationList();
    const cache = new VerifiedTokens();
    const verifier = TokenVerifier.local({ keys: [jwk as never] }, list, cache);
    const token = await sign('user-a', { tid: 't', kind: 'user', roles: ['sales_rep'], ver: 3 });
    await expect(verifier.verify(token)).resolves.toMatchObject({ id: 'user-a' });
    expect(cache.get(token)).toBeDefined();
    list.raise({ subject: 'user-a', minVersion: 4, at: new Date() });
    await expect(verifier.verify(token)).rejects.toThrow(/revoked/);
    const other = await sign('user-e', { tid: 't2', kind: 'user', roles: ['admin'], ver: 0 });
    await expect(verifier.verify(other)).resolves.toMatchObject({ id: 'user-e' });
    list.disableTenant('t2', new Date());
    await expect(verifier.verify(other)).rejects.toThrow(/revoked/);
  });

  it('never serves a token signed by another key from the cache, even with the same claims', async () => {
    const cache = new VerifiedTokens();
    const verifier = TokenVerifier.local({ keys: [jwk as never] }, new RevocationList(), cache);
    const claims: AccessTokenClaims = { tid: 't', kind: 'user', roles: ['admin'], ver: 0 };
    const genuine = await sign('user-b', claims);
    await verifier.verify(genuine);
    const [header, payload] = genuine.split('.');
    const forged = (await sign('user-b', claims, otherKey)).split('.');
    await expect(verifier.verify(`${header}.${payload}.${forged[2]}`)).rejects.toThrow(InvalidTokenError);
  });

  it('refuses a remembered token once it has expired', async () => {
    const cache = new VerifiedTokens();
    const verifier = TokenVerifier.local({ keys: [jwk as never] }, new RevocationList(), cache);
    const token = await sign('user-c', { tid: 't', kind: 'user', roles: ['admin'] }, privateKey, '2s');
    await expect(verifier.verify(token)).resolves.toMatchObject({ id: 'user-c' });
    jest.useFakeTimers({ now: Date.now() + 3_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      await expect(verifier.verify(token)).rejects.toThrow(/exp/);
    } finally {
      jest.useRealTimers();
    }
  });

  it('gives each caller its own copy of the principal', async () => {
    const verifier = TokenVerifier.local({ keys: [jwk as never] }, new RevocationList());
    const token = await sign('user-d', { tid: 't', kind: 'user', roles: ['admin'] });
    const first = await verifier.verify(token);
    first.roles.push('sales_rep');
    expect((await verifier.verify(token)).roles).toEqual(['admin']);
  });
});

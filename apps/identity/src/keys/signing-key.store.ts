import { Inject, Injectable } from '@nestjs/common';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, TokenVerifier, type AccessTokenClaims, type RevocationList } from '@rapport/auth';
import { SERVICE_CONFIG } from '@rapport/service-kit';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  SignJWT,
  type JSONWebKeySet,
  type JWK,
  type KeyLike,
} from 'jose';
import { IsNull, DataSource } from 'typeorm';
import { SigningKeyEntity } from './signing-key.entity';

interface ActiveKey {
  kid: string;
  privateKey: KeyLike | Uint8Array;
}

/**
 * The ES256 keys identity signs access tokens with. The private key comes
 * from JWT_PRIVATE_KEY (PKCS#8 PEM) when set — the production path, where it
 * lives in a secret — or else is generated once and kept in the database, so
 * a laptop install survives restarts and replicas agree. Every non-retired
 * key's public half is published as the JWKS, which makes rotation a matter
 * of adding a key and retiring the old one after the token lifetime.
 */
@Injectable()
export class SigningKeyStore {
  private active: ActiveKey | null = null;
  private publicKeys: JWK[] = [];

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: { JWT_PRIVATE_KEY?: string },
  ) {}

  async load(): Promise<void> {
    if (this.config.JWT_PRIVATE_KEY) await this.importConfiguredKey(this.config.JWT_PRIVATE_KEY);
    await this.ensureAKeyExists();
    const rows = await this.dataSource.getRepository(SigningKeyEntity).find({
      where: { retiredAt: IsNull() },
      order: { createdAt: 'DESC' },
    });
    const newest = rows[0];
    this.active = { kid: newest.kid, privateKey: await importJWK(newest.privateJwk, TOKEN_ALGORITHM) };
    this.publicKeys = rows.map((r) => ({ ...r.publicJwk, kid: r.kid, alg: TOKEN_ALGORITHM, use: 'sig' }));
  }

  jwks(): JSONWebKeySet {
    return { keys: this.publicKeys };
  }

  verifier(revocations: RevocationList): TokenVerifier {
    return TokenVerifier.local(this.jwks(), revocations);
  }

  async sign(subject: string, claims: AccessTokenClaims, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
    if (!this.active) throw new Error('signing keys not loaded');
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = new Date((now + ttlSeconds) * 1000);
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: this.active.kid, typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(subject)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .sign(this.active.privateKey);
    return { token, expiresAt };
  }

  private async importConfiguredKey(pem: string): Promise<void> {
    const privateKey = await importPKCS8(pem, TOKEN_ALGORITHM, { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const { d: _d, ...publicJwk } = privateJwk;
    await this.insert(privateJwk, publicJwk);
  }

  private async ensureAKeyExists(): Promise<void> {
    const count = await this.dataSource.getRepository(SigningKeyEntity).count({ where: { retiredAt: IsNull() } });
    if (count > 0) return;
    const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
    await this.insert(await exportJWK(privateKey), await exportJWK(publicKey));
  }

  private async insert(privateJwk: JWK, publicJwk: JWK): Promise<void> {
    const kid = await calculateJwkThumbprint(publicJwk);
    // Replicas starting together may race; the thumbprint key makes the insert idempotent.
    await this.dataSource.query(
      `INSERT INTO signing_keys (kid, private_jwk, public_jwk) VALUES ($1, $2, $3) ON CONFLICT (kid) DO NOTHING`,
      [kid, JSON.stringify(privateJwk), JSON.stringify(publicJwk)],
    );
  }
}

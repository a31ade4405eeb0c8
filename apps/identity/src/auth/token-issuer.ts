import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AccessTokenClaims } from '@rapport/auth';
import { SERVICE_CONFIG } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import { SigningKeyStore } from '../keys/signing-key.store';
import type { IdentityConfig } from '../identity.env';
import type { UserEntity } from '../users/user.entity';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

/** Issues short-lived access tokens and rotating, stored-hashed refresh tokens. */
@Injectable()
export class TokenIssuer {
  constructor(
    private readonly keys: SigningKeyStore,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  async forUser(em: EntityManager, user: UserEntity): Promise<TokenPair> {
    const claims: AccessTokenClaims = {
      tid: user.tenantId,
      kind: user.roles.includes('customer') ? 'customer' : 'user',
      roles: user.roles,
      ver: user.tokenVersion,
      ...(user.contactId ? { cid: user.contactId } : {}),
      ...(user.ratePerMinute ? { rpm: user.ratePerMinute } : {}),
    };
    const { token, expiresAt } = await this.keys.sign(user.id, claims, this.config.ACCESS_TOKEN_TTL_SECONDS);
    const refreshToken = randomBytes(32).toString('base64url');
    await em.query(`INSERT INTO refresh_tokens (id, tenant_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
      uuidv7(),
      user.tenantId,
      user.id,
      hashRefreshToken(refreshToken),
      new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_SECONDS * 1000),
    ]);
    return { accessToken: token, refreshToken, expiresAt };
  }

  async forApiKey(key: {
    id: string;
    tenantId: string;
    scopes: string[];
    ratePerMinute: number | null;
  }): Promise<{ accessToken: string; expiresAt: Date }> {
    const { token, expiresAt } = await this.keys.sign(
      key.id,
      {
        tid: key.tenantId,
        kind: 'apiKey',
        roles: ['partner'],
        scopes: key.scopes,
        ...(key.ratePerMinute ? { rpm: key.ratePerMinute } : {}),
      },
      Math.min(this.config.ACCESS_TOKEN_TTL_SECONDS, 300),
    );
    return { accessToken: token, expiresAt };
  }
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

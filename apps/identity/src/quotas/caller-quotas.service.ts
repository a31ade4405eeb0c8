import { Injectable } from '@nestjs/common';
import { badUserInput, notFound, requireRole, type Principal } from '@rapport/auth';
import { ServiceDatabase, validate } from '@rapport/service-kit';
import { ApiKeyEntity } from '../api-keys/api-key.entity';
import { UserEntity } from '../users/user.entity';

/** Above this a quota is no limit at all; the operator's gateway settings are the platform's protection. */
export const MAX_RATE_PER_MINUTE = 1_000_000;

export interface SetCallerQuotaInput {
  userId?: string | null;
  apiKeyId?: string | null;
  ratePerMinute?: number | null;
}

/** A quota per minute, or null for the operator's default; anything else is the caller's error, naming the field. */
export function ratePerMinuteOf(field: string, value: number | null | undefined): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < 1 || value > MAX_RATE_PER_MINUTE) {
    throw badUserInput(field, `must be a whole number of requests per minute from 1 to ${MAX_RATE_PER_MINUTE}, or null for the default`);
  }
  return value;
}

/**
 * Per-user and per-key request quotas, set by the tenant's admin. Tokens
 * carry the quota (claim `rpm`), so it applies from the caller's next
 * token: at once for a new sign-in, within the token lifetime otherwise
 * (API-key tokens live at most 5 minutes).
 */
@Injectable()
export class CallerQuotasService {
  constructor(private readonly db: ServiceDatabase) {}

  async set(principal: Principal, input: SetCallerQuotaInput): Promise<{ user: UserEntity | null; apiKey: ApiKeyEntity | null }> {
    requireRole(principal, 'admin');
    const ratePerMinute = ratePerMinuteOf('ratePerMinute', input.ratePerMinute);
    if ((input.userId == null) === (input.apiKeyId == null)) {
      throw badUserInput(input.userId == null ? 'userId' : 'apiKeyId', 'give exactly one of userId and apiKeyId');
    }
    return this.db.withTenant(principal.tenantId, async (em) => {
      if (input.userId != null) {
        const id = validate.requireUuid('userId', input.userId);
        const users = em.getRepository(UserEntity);
        const user = await users.findOneBy({ id });
        if (!user) throw notFound('User', id);
        await users.update({ id }, { ratePerMinute });
        return { user: { ...user, ratePerMinute } as UserEntity, apiKey: null };
      }
      const id = validate.requireUuid('apiKeyId', input.apiKeyId as string);
      const keys = em.getRepository(ApiKeyEntity);
      const key = await keys.findOneBy({ id });
      if (!key) throw notFound('ApiKey', id);
      await keys.update({ id }, { ratePerMinute });
      return { user: null, apiKey: { ...key, ratePerMinute } as ApiKeyEntity };
    });
  }
}

import { Injectable } from '@nestjs/common';
import { SYSTEM_ACTOR, USER_DEACTIVATED } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { affected, ERASED, eraseOutboxMentions, ServiceDatabase, type PersonalDataSource } from '@rapport/service-kit';
import { In, type EntityManager } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import { userSnapshot } from '../users/users.service';

/**
 * Identity holds the person's self-service login (a user bound to one of
 * their contact records), invitations to one, and the audit log's entries
 * about their records. Erasure disables the login for good and replaces its
 * email and name (the row stays: audit entries name its id as actor);
 * invitations lose their address. The audit log is append-only and chained
 * (ADR 025) and is not rewritten: it never holds contact details or names
 * (masked when recorded), only ids, which say nothing once the records are
 * anonymised. The erased login is published (identity.user.deactivated), so
 * every service's copy of the users forgets its address and name, and
 * verifiers refuse its tokens (the token version rose).
 */
@Injectable()
export class IdentityPersonalData implements PersonalDataSource {
  constructor(private readonly db: ServiceDatabase) {}

  async gather(em: EntityManager, _tenantId: string, recordIds: string[]): Promise<Record<string, unknown[]>> {
    const q = (sql: string) => em.query(sql, [recordIds]) as Promise<unknown[]>;
    return {
      users: await q(
        `SELECT id, email, display_name, roles, contact_id, disabled, created_at, updated_at FROM users WHERE contact_id = ANY($1::uuid[])`,
      ),
      invitations: await q(`SELECT id, email, roles, contact_id, expires_at, created_at, accepted_at, revoked_at FROM invitations
                             WHERE contact_id = ANY($1)`),
      audit_log:
        await q(`SELECT seq, id, occurred_at, service, actor_kind, actor_id, action, object_type, object_id, changes, details, request_id
                            FROM audit_log
                           WHERE object_id = ANY($1::text[])
                              OR actor_id IN (SELECT id::text FROM users WHERE contact_id = ANY($1::uuid[]))
                           ORDER BY seq`),
    };
  }

  async erase(em: EntityManager, _tenantId: string, recordIds: string[]): Promise<Record<string, number>> {
    const users: { id: string }[] = await em.query(`SELECT id FROM users WHERE contact_id = ANY($1)`, [recordIds]);
    const userIds = users.map((u) => u.id);
    const run = async (sql: string, params: unknown[]) => affected(await em.query(sql, params));
    const erased = {
      // A random unusable hash: the login can never sign in again, and the address is free.
      users: await run(
        `UPDATE users SET email = 'erased-' || id || '@invalid', display_name = $2, disabled = true,
                password_hash = 'erased:' || gen_random_uuid(), token_version = token_version + 1, updated_at = now()
          WHERE id = ANY($1)`,
        [userIds, ERASED],
      ),
      refresh_tokens: await run(`UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = ANY($1) AND revoked_at IS NULL`, [userIds]),
      invitations: await run(`UPDATE invitations SET email = 'erased-' || id || '@invalid' WHERE contact_id = ANY($1)`, [recordIds]),
      outbox: await eraseOutboxMentions(em, [...recordIds, ...userIds]),
    };
    for (const user of await em.getRepository(UserEntity).findBy({ id: In(userIds) })) {
      await this.db.publish(
        em,
        newEvent({
          type: USER_DEACTIVATED,
          tenantId: user.tenantId,
          actor: SYSTEM_ACTOR,
          subjectId: user.id,
          data: { user: userSnapshot(user) },
        }),
      );
    }
    return erased;
  }
}

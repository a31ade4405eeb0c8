import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, conflict, notFound, requireRole, type Principal } from '@rapport/auth';
import { isRole, USER_CREATED, USER_DEACTIVATED, USER_UPDATED, type EventActor, type Role, type UserSnapshotV1 } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '@rapport/persistence';
import { ServiceDatabase, validate } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import { revokeRefreshTokensOf } from '../auth/refresh-tokens';
import { requireManager } from './manager-line';
import { hashPassword } from './password';
import { validatePassword } from './password-policy';
import { UserEntity } from './user.entity';

export interface NewUser {
  email: string;
  displayName: string;
  password: string;
  roles: Role[];
  contactId?: string | null;
  managerId?: string | null;
  /** The input field a bad password is reported against (default `password`). */
  passwordField?: string;
}

@Injectable()
export class UsersService {
  constructor(private readonly db: ServiceDatabase) {}

  async createUser(
    principal: Principal,
    input: { email: string; displayName: string; password: string; roles: string[]; contactId?: string | null; managerId?: string | null },
  ): Promise<UserEntity> {
    requireRole(principal, 'admin');
    const roles = validateRoles(input.roles);
    try {
      return await this.db.withTenant(principal.tenantId, (em) =>
        this.insertUser(em, principal.tenantId, actorOf(principal), { ...input, roles }),
      );
    } catch (err) {
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw conflict('a user with this email already exists', 'email');
      throw err;
    }
  }

  /** Inserts inside the caller's tenant transaction and records identity.user.created. */
  async insertUser(em: EntityManager, tenantId: string, actor: EventActor, input: NewUser): Promise<UserEntity> {
    const email = validate.email('email', input.email);
    const password = validatePassword(input.passwordField ?? 'password', input.password, { email });
    const user = em.getRepository(UserEntity).create({
      id: uuidv7(),
      tenantId,
      email,
      displayName: validate.requiredText('displayName', input.displayName, 200),
      passwordHash: await hashPassword(password),
      roles: input.roles,
      contactId: validate.optionalUuid('contactId', input.contactId) ?? null,
      managerId: validate.optionalUuid('managerId', input.managerId) ?? null,
      disabled: false,
      tokenVersion: 0,
    });
    if (user.roles.includes('customer') && !user.contactId) throw badUserInput('contactId', 'a customer must be bound to a contact');
    if (user.managerId) await requireManager(em, null, user.managerId);
    await em.getRepository(UserEntity).insert(user);
    await this.db.publish(
      em,
      newEvent({
        type: USER_CREATED,
        tenantId,
        actor,
        subjectId: user.id,
        data: { user: userSnapshot(user) },
      }),
    );
    return user;
  }

  /**
   * Admins change a user's display name, roles and manager (`managerId: null`
   * removes the manager, an absent one keeps it); publishes
   * identity.user.updated when something changed.
   */
  async updateUser(
    principal: Principal,
    input: { id: string; displayName?: string | null; roles?: string[] | null; managerId?: string | null },
  ): Promise<UserEntity> {
    requireRole(principal, 'admin');
    const id = validate.requireUuid('id', input.id);
    const managerId = input.managerId === undefined ? undefined : (validate.optionalUuid('managerId', input.managerId) ?? null);
    const displayName = input.displayName == null ? undefined : validate.requiredText('displayName', input.displayName, 200);
    const roles = input.roles == null ? undefined : validateRoles(input.roles);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const user = await this.lockUser(em, id);
      const changed: string[] = [];
      if (displayName !== undefined && displayName !== user.displayName) {
        user.displayName = displayName;
        changed.push('displayName');
      }
      if (roles !== undefined && !sameSet(roles, user.roles)) {
        if (id === principal.id && user.roles.includes('admin') && !roles.includes('admin')) {
          throw badUserInput('roles', 'you cannot take the admin role from yourself; another admin can');
        }
        if (roles.includes('customer') && !user.contactId) throw badUserInput('roles', 'a customer must be bound to a contact');
        user.roles = roles;
        // Tokens carrying the old roles stop being honoured (RevocationList); a new login gets the new version.
        user.tokenVersion += 1;
        changed.push('roles');
      }
      if (managerId !== undefined && managerId !== user.managerId) {
        if (managerId) await requireManager(em, id, managerId);
        user.managerId = managerId;
        changed.push('managerId');
      }
      if (changed.length === 0) return user;
      await em
        .getRepository(UserEntity)
        .update({ id }, { displayName: user.displayName, roles: user.roles, tokenVersion: user.tokenVersion, managerId: user.managerId });
      await this.publishUser(em, principal, USER_UPDATED, user, { changed });
      return user;
    });
  }

  /**
   * Admins deactivate a user: sign-in and refresh stop at once (every refresh
   * token is revoked; the raised token version makes every verifier refuse
   * the access tokens already issued within seconds), and
   * identity.user.deactivated tells other services to stop assigning work to
   * them. Deactivating an inactive user changes nothing.
   */
  async deactivateUser(principal: Principal, id: string): Promise<UserEntity> {
    requireRole(principal, 'admin');
    validate.requireUuid('id', id);
    if (principal.kind === 'user' && id === principal.id) throw badUserInput('id', 'you cannot deactivate yourself; another admin can');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const user = await this.lockUser(em, id);
      if (user.disabled) return user;
      user.disabled = true;
      user.tokenVersion += 1;
      await em.getRepository(UserEntity).update({ id }, { disabled: true, tokenVersion: user.tokenVersion });
      await revokeRefreshTokensOf(em, id);
      await this.publishUser(em, principal, USER_DEACTIVATED, user, {});
      return user;
    });
  }

  /** Undoes a deactivation; published as identity.user.updated with changed ["active"]. */
  async reactivateUser(principal: Principal, id: string): Promise<UserEntity> {
    requireRole(principal, 'admin');
    validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const user = await this.lockUser(em, id);
      if (!user.disabled) return user;
      user.disabled = false;
      await em.getRepository(UserEntity).update({ id }, { disabled: false });
      await this.publishUser(em, principal, USER_UPDATED, user, { changed: ['active'] });
      return user;
    });
  }

  private async lockUser(em: EntityManager, id: string): Promise<UserEntity> {
    const user = await em.getRepository(UserEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!user) throw notFound('User', id);
    return user;
  }

  private async publishUser(
    em: EntityManager,
    principal: Principal,
    type: typeof USER_UPDATED | typeof USER_DEACTIVATED,
    user: UserEntity,
    extra: { changed?: string[] },
  ): Promise<void> {
    await this.db.publish(
      em,
      newEvent({
        type,
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        subjectId: user.id,
        data: { user: userSnapshot(user), ...extra },
      }),
    );
  }

  async findById(principal: Principal, id: string): Promise<UserEntity | null> {
    validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, (em) => em.getRepository(UserEntity).findOneBy({ id }));
  }

  async list(principal: Principal): Promise<UserEntity[]> {
    requireRole(principal, 'admin', 'sales_manager', 'support_manager');
    return this.db.withTenant(principal.tenantId, (em) => em.getRepository(UserEntity).find({ order: { email: 'ASC' }, take: 1000 }));
  }
}

/** The user as published in identity.user.* events. */
export function userSnapshot(user: UserEntity): UserSnapshotV1 {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    roles: user.roles,
    active: !user.disabled,
    tokenVersion: user.tokenVersion,
    managerId: user.managerId,
    // Customers only: staff snapshots stay as they were.
    ...(user.contactId ? { contactId: user.contactId } : {}),
  };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export function validateRoles(roles: string[], field = 'roles'): Role[] {
  if (roles.length === 0) throw badUserInput(field, 'at least one role is required');
  for (const role of roles) if (!isRole(role)) throw badUserInput(field, `unknown role ${JSON.stringify(role)}`);
  return [...new Set(roles)] as Role[];
}

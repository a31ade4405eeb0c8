import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, conflict, requireRole, type Principal } from '@rapport/auth';
import { isRole, USER_CREATED, type EventActor, type Role } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '@rapport/persistence';
import { ServiceDatabase, validate } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import { hashPassword } from './password';
import { UserEntity } from './user.entity';

export interface NewUser {
  email: string;
  displayName: string;
  password: string;
  roles: Role[];
  contactId?: string | null;
}

@Injectable()
export class UsersService {
  constructor(private readonly db: ServiceDatabase) {}

  async createUser(
    principal: Principal,
    input: { email: string; displayName: string; password: string; roles: string[]; contactId?: string | null },
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
    const password = validate.requiredText('password', input.password, 1024);
    if (password.length < 10) throw badUserInput('password', 'must be at least 10 characters');
    const user = em.getRepository(UserEntity).create({
      id: uuidv7(),
      tenantId,
      email: validate.email('email', input.email),
      displayName: validate.requiredText('displayName', input.displayName, 200),
      passwordHash: await hashPassword(password),
      roles: input.roles,
      contactId: validate.optionalUuid('contactId', input.contactId) ?? null,
      disabled: false,
    });
    if (user.roles.includes('customer') && !user.contactId) throw badUserInput('contactId', 'a customer must be bound to a contact');
    await em.getRepository(UserEntity).insert(user);
    await this.db.publish(
      em,
      newEvent({
        type: USER_CREATED,
        tenantId,
        actor,
        subjectId: user.id,
        data: { user: { id: user.id, email: user.email, displayName: user.displayName, roles: user.roles } },
      }),
    );
    return user;
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

function validateRoles(roles: string[]): Role[] {
  if (roles.length === 0) throw badUserInput('roles', 'at least one role is required');
  for (const role of roles) if (!isRole(role)) throw badUserInput('roles', `unknown role ${JSON.stringify(role)}`);
  return [...new Set(roles)] as Role[];
}

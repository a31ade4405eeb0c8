import { Inject, Injectable } from '@nestjs/common';
import { actorOf, badUserInput, conflict, forbidden, notFound, type Principal } from '@rapport/auth';
import { USER_INVITATION_REVOKED, USER_INVITED, type EventActor, type InvitationSnapshotV1, type Role } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { PG_UNIQUE_VIOLATION, pgErrorCode, returnedRows } from '@rapport/persistence';
import { AuditRecorder, SERVICE_CONFIG, ServiceDatabase, validate } from '@rapport/service-kit';
import { v7 as uuidv7 } from 'uuid';
import { DataSource } from 'typeorm';
import { TENANT_DISABLED_MESSAGE } from '../auth/auth.service';
import { hashOneTimeToken, invalidLink, looksLikeOneTimeToken, newOneTimeToken } from '../auth/one-time-token';
import type { IdentityConfig } from '../identity.env';
import { AccountEmails } from '../mail/account-email-queue';
import { IdentityMailer } from '../mail/identity-mailer';
import { TenantsService } from '../tenants/tenants.service';
import { requireManager } from '../users/manager-line';
import { UsersService, validateRoles } from '../users/users.service';
import { invitationScope, requireMayInvite } from './invitation-access';

export interface InviteUserInput {
  email: string;
  roles: string[];
  contactId?: string | null;
  managerId?: string | null;
}

export interface InvitationView extends Omit<InvitationSnapshotV1, 'expiresAt'> {
  expiresAt: Date;
  createdAt: Date;
}

/** The invitation as published in identity.user.invited: never its token. */
export function invitationSnapshot(invitation: InvitationView): InvitationSnapshotV1 {
  const { id, email, roles, contactId, managerId, expiresAt } = invitation;
  return { id, email, roles, contactId, managerId, expiresAt: expiresAt.toISOString() };
}

/** What an accepted invitation or a reset tells its holder: where and as whom to sign in. */
export interface SignInHint {
  tenant: { id: string; slug: string; name: string };
  email: string;
}

interface OpenInvitationRow {
  id: string;
  email: string;
  roles: Role[];
  contact_id: string | null;
  manager_id: string | null;
  expires_at: Date;
  created_at: Date;
}

const OPEN_COLUMNS = 'id, email, roles, contact_id, manager_id, expires_at, created_at';

interface InvitationRow {
  email: string;
  roles: string[];
  contact_id: string | null;
  manager_id: string | null;
  invited_by_kind: EventActor['kind'];
  invited_by: string | null;
}

/**
 * Users join by invitation: an admin (or, for customers, a support manager)
 * names the email and roles, identity emails a one-time link, and whoever
 * opens it chooses their name and password; only then does the user exist
 * (identity.user.created). A customer is invited bound to their contact, as
 * createUser binds them. Inviting the same address again replaces the open
 * invitation, whose link stops working.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly db: ServiceDatabase,
    private readonly users: UsersService,
    private readonly tenants: TenantsService,
    private readonly mailer: IdentityMailer,
    private readonly emails: AccountEmails,
    private readonly audit: AuditRecorder,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  async invite(principal: Principal, input: InviteUserInput): Promise<InvitationView> {
    const roles = validateRoles(input.roles, 'input.roles');
    requireMayInvite(principal, roles);
    const email = validate.email('input.email', input.email);
    const contactId = validate.optionalUuid('input.contactId', input.contactId) ?? null;
    const managerId = validate.optionalUuid('input.managerId', input.managerId) ?? null;
    if (roles.includes('customer') && !contactId) throw badUserInput('input.contactId', 'a customer must be bound to a contact');
    if (!this.mailer.configured) throw conflict('identity sends no email: set IDENTITY_SMTP_URL to invite users');
    // A disabled or unknown tenant is refused here, before anything is stored.
    await this.tenants.get(principal.tenantId);
    const { token, hash } = newOneTimeToken();
    const invitation: InvitationView = {
      id: uuidv7(),
      email,
      roles,
      contactId,
      managerId,
      expiresAt: new Date(Date.now() + this.config.INVITATION_TTL_SECONDS * 1000),
      createdAt: new Date(),
    };
    const actor = actorOf(principal);
    try {
      await this.db.withTenant(principal.tenantId, async (em) => {
        if (managerId) await requireManager(em, null, managerId);
        const [user] = await em.query(`SELECT 1 FROM users WHERE email = $1`, [email]);
        if (user) throw conflict('a user with this email already exists', 'input.email');
        // Replacing an invitation is revoking it: a support manager may not replace an admin's invitation of staff.
        if (invitationScope(principal) === 'customers') {
          const [staff] = await em.query(
            `SELECT 1 FROM invitations WHERE email = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND roles <> ARRAY['customer']`,
            [email],
          );
          if (staff) throw conflict('this address has an open invitation as staff; an admin can revoke it', 'input.email');
        }
        await em.query(`UPDATE invitations SET revoked_at = now() WHERE email = $1 AND accepted_at IS NULL AND revoked_at IS NULL`, [
          email,
        ]);
        await em.query(
          `INSERT INTO invitations (id, tenant_id, email, roles, contact_id, manager_id, token_hash, expires_at, invited_by_kind, invited_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [
            invitation.id,
            principal.tenantId,
            email,
            roles,
            contactId,
            managerId,
            hash,
            invitation.expiresAt,
            actor.kind,
            actor.id,
            invitation.createdAt,
          ],
        );
        // The email is staged with the invitation: committed together, sent by a job after the commit (ADR 054).
        await this.emails.stage(em, { id: invitation.id, tenantId: principal.tenantId, kind: 'invitation', token });
        await this.db.publish(
          em,
          newEvent({
            type: USER_INVITED,
            tenantId: principal.tenantId,
            actor,
            subjectId: invitation.id,
            data: { invitation: invitationSnapshot(invitation) },
          }),
        );
      });
    } catch (err) {
      // Two invitations of one address at the same moment: the open-invitation index lets one through.
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION)
        throw conflict('this address is being invited at this moment; try again', 'input.email');
      throw err;
    }
    await this.emails.enqueue(principal.tenantId, invitation.id);
    return invitation;
  }

  /** Open invitations (not accepted, not revoked), newest first: all for admins, customers' for support managers. */
  async list(principal: Principal): Promise<InvitationView[]> {
    const customersOnly = invitationScope(principal) === 'customers';
    const rows: OpenInvitationRow[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT ${OPEN_COLUMNS} FROM invitations
          WHERE accepted_at IS NULL AND revoked_at IS NULL AND (NOT $1 OR roles = ARRAY['customer'])
          ORDER BY created_at DESC, id DESC LIMIT 1000`,
        [customersOnly],
      ),
    );
    return rows.map(openView);
  }

  /** Revokes an open invitation; its link stops working with the commit. */
  async revoke(principal: Principal, id: string): Promise<InvitationView> {
    const customersOnly = invitationScope(principal) === 'customers';
    validate.requireUuid('id', id);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const [row] = returnedRows<OpenInvitationRow>(
        await em.query(
          `UPDATE invitations SET revoked_at = now()
            WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND (NOT $2 OR roles = ARRAY['customer'])
            RETURNING ${OPEN_COLUMNS}`,
          [id, customersOnly],
        ),
      );
      // Accepted, revoked already, someone else's to revoke, or none at all: there is no open invitation of yours to revoke.
      if (!row) throw notFound('Invitation', id);
      const invitation = openView(row);
      await this.db.publish(
        em,
        newEvent({
          type: USER_INVITATION_REVOKED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: id,
          data: { invitation: invitationSnapshot(invitation) },
        }),
      );
      return invitation;
    });
  }

  /**
   * Consumes the link (one conditional UPDATE: of two concurrent uses one
   * wins) and creates the user with the chosen name and password, in one
   * transaction: a refused password or name leaves the link usable.
   */
  async accept(input: { token: string; displayName: string; password: string }): Promise<SignInHint> {
    if (!looksLikeOneTimeToken(input.token)) throw invalidLink();
    const displayName = validate.requiredText('input.displayName', input.displayName, 200);
    // The token names the tenant: read across tenants, as refresh tokens are.
    const [found]: { id: string; tenant_id: string; slug: string; name: string; disabled_at: Date | null }[] = await this.dataSource.query(
      `SELECT i.id, i.tenant_id, t.slug, t.name, t.disabled_at FROM invitations i JOIN tenants t ON t.id = i.tenant_id WHERE i.token_hash = $1`,
      [hashOneTimeToken(input.token)],
    );
    if (!found) throw invalidLink();
    if (found.disabled_at) throw forbidden(TENANT_DISABLED_MESSAGE);
    try {
      return await this.db.withTenant(found.tenant_id, async (em) => {
        const [invitation] = returnedRows<InvitationRow>(
          await em.query(
            `UPDATE invitations SET accepted_at = now()
              WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
              RETURNING email, roles, contact_id, manager_id, invited_by_kind, invited_by`,
            [found.id],
          ),
        );
        if (!invitation) throw invalidLink();
        // A manager deactivated since the invitation is no reason to turn the invitee away.
        const [manager] = invitation.manager_id
          ? await em.query(`SELECT 1 FROM users WHERE id = $1 AND NOT disabled`, [invitation.manager_id])
          : [];
        // The user's creation is the inviter's decision, so identity.user.created names them.
        const user = await this.users.insertUser(
          em,
          found.tenant_id,
          { kind: invitation.invited_by_kind, id: invitation.invited_by },
          {
            email: invitation.email,
            displayName,
            password: input.password,
            passwordField: 'input.password',
            roles: invitation.roles as Role[],
            contactId: invitation.contact_id,
            managerId: manager ? invitation.manager_id : null,
          },
        );
        await em.query(`UPDATE invitations SET user_id = $2 WHERE id = $1`, [found.id, user.id]);
        // Accepting is public: the mutation's entry learns its tenant and actor (the new user) here.
        await this.audit.record(em, {
          tenantId: found.tenant_id,
          actor: { kind: user.roles.includes('customer') ? 'customer' : 'user', id: user.id },
          objectType: 'User',
          objectId: user.id,
          details: { invitationId: found.id },
        });
        return { tenant: { id: found.tenant_id, slug: found.slug, name: found.name }, email: user.email };
      });
    } catch (err) {
      if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) throw conflict('a user with this email already exists; sign in or reset the password');
      throw err;
    }
  }
}

function openView(row: OpenInvitationRow): InvitationView {
  return {
    id: row.id,
    email: row.email,
    roles: row.roles,
    contactId: row.contact_id,
    managerId: row.manager_id,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevMailbox, type DevMailbox } from '@rapport/channels';
import { simpleParser, type ParsedMail } from 'mailparser';
import { bearer, graphql, StreamProbe, type GraphQLResponse } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { AccountEmails } from '../../apps/identity/src/mail/account-email-queue';
import { createTenant, startPlatform, type Platform, type TestTenant } from '../harness/platform';

// Platform start-up and background mail on a loaded 2-core machine.
jest.setTimeout(180_000);

const APP_URL = 'https://app.rapport.test';
const INVITE = `mutation($i: InviteUserInput!) { inviteUser(input: $i) { invitation { id email roles contactId expiresAt } } }`;
const ACCEPT = `mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { tenant { slug name } email } }`;
const REQUEST_RESET = `mutation($i: RequestPasswordResetInput!) { requestPasswordReset(input: $i) { accepted } }`;
const RESET = `mutation($i: ResetPasswordInput!) { resetPassword(input: $i) { tenant { slug } email } }`;
const LOGIN = `mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }`;
const ME = `{ me { kind roles user { displayName } } }`;

/**
 * Invitations and password resets end to end, as a front end and a mailbox
 * see them: through the gateway, with the links read from the real email
 * identity sent over SMTP (libs/channels) to the dev mailbox `npm start`
 * runs, which keeps each message as an .eml file.
 */
describe('invitations and password resets by email (end to end)', () => {
  let platform: Platform;
  let tenant: TestTenant;
  let admin: string;
  let mailbox: DevMailbox;
  let mailDir: string;
  /** What the dev mailbox saved, in order. */
  const saved: { path: string; to: string[] }[] = [];
  let probe: StreamProbe;
  const identityStream = () => `IDENTITY_${process.env.NATS_STREAM_SUFFIX}`;
  const subject = (type: string) => `${process.env.NATS_SUBJECT_PREFIX}.${type}`;
  const db = () => platform.identity.app.get(DataSource);

  const anonymous = (query: string, i: Record<string, unknown>) => graphql(platform.graphqlUrl, query, { i });
  async function ok(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const res = await graphql(platform.graphqlUrl, query, variables, bearer(token));
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data!;
  }
  const errorOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions;

  const mailsTo = (address: string) => saved.filter((m) => m.to.includes(address));
  /** Waits for the `n`th email to `address`, reads its .eml file and returns the token of its link. */
  async function tokenFromMail(address: string, n = 1, page = 'accept-invitation'): Promise<{ token: string; mail: ParsedMail }> {
    const deadline = Date.now() + 15_000;
    while (mailsTo(address).length < n) {
      if (Date.now() > deadline) throw new Error(`no email #${n} to ${address}; got ${saved.map((m) => m.to).join(' ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const mail = await simpleParser(await readFile(mailsTo(address)[n - 1].path));
    const match = new RegExp(`${APP_URL}/${page}#token=([A-Za-z0-9_-]{43})`).exec(String(mail.text));
    if (!match) throw new Error(`no ${page} link in: ${mail.text}`);
    return { token: match[1], mail };
  }

  function login(email: string, password: string) {
    return anonymous(LOGIN, { tenant: tenant.slug, email, password });
  }

  const openMailbox = (port?: number) => startDevMailbox({ dir: mailDir, port, onMessage: ({ path, to }) => saved.push({ path, to }) });

  beforeAll(async () => {
    mailDir = await mkdtemp(join(tmpdir(), 'rapport-identity-mail-'));
    mailbox = await openMailbox();
    probe = await StreamProbe.connect();
    platform = await startPlatform(
      {},
      {
        identity: {
          IDENTITY_SMTP_URL: mailbox.url,
          IDENTITY_EMAIL_FROM: 'Rapport <no-reply@rapport.test>',
          IDENTITY_APP_URL: APP_URL,
          // Retries close together, so an outage of seconds is ridden out in a test's time.
          ACCOUNT_EMAIL_ATTEMPTS: '40',
          ACCOUNT_EMAIL_RETRY_DELAY_MS: '200',
          ACCOUNT_EMAIL_RETRY_MAX_DELAY_MS: '1000',
        },
      },
    );
    tenant = await createTenant(platform, 'invites');
    admin = await tenant.tokenFor('admin');
  });

  afterAll(async () => {
    await platform?.stop();
    await probe?.close();
    await mailbox?.close();
    if (mailDir) await rm(mailDir, { recursive: true, force: true });
  });

  // First in the file: the mail server goes down before identity has a pooled connection to it.
  describe('durable sending (ADR 054)', () => {
    it('an invitation made while the mail server is down arrives once it is back, exactly once', async () => {
      const email = `while-down@${tenant.slug}.test`;
      await mailbox.close();
      const invited = (await ok(admin, INVITE, { i: { email, roles: ['sales_rep'] } })).inviteUser.invitation;
      // Longer than the old in-process retries (1 s, 5 s) lasted: they gave up and the email was lost.
      await new Promise((r) => setTimeout(r, 7_000));
      expect(mailsTo(email)).toEqual([]);

      mailbox = await openMailbox(mailbox.port);
      const { token } = await tokenFromMail(email);
      const [sent] = await db().query(`SELECT status, attempts, last_error, sealed_token FROM account_emails WHERE id = $1`, [invited.id]);
      // Tried while the server was down (the reason kept, never the server's text), sent once it was back, the token dropped.
      expect(sent).toMatchObject({ status: 'SENT', sealed_token: null });
      expect(sent.attempts).toBeGreaterThan(1);
      expect(sent.last_error).toMatch(/^TransientChannelError/);

      // The job run again (a worker restarted, the sweep re-queued it) sends nothing more.
      const emails = platform.identity.app.get(AccountEmails);
      await emails.send({ data: { tenantId: tenant.id, emailId: invited.id }, attemptsMade: 0, opts: { attempts: 1 } } as never);
      expect(await emails.sweep()).toBe(0);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(mailsTo(email)).toHaveLength(1);
      const accepted = await anonymous(ACCEPT, { token, displayName: 'Patient One', password: 'a long new password' });
      expect(accepted.errors).toBeUndefined();
    });
  });

  describe('invitations', () => {
    it('invite → email → accept with a name and password → sign in; the link works once and only its hash is stored', async () => {
      const email = `newbie@${tenant.slug}.test`;
      const invited = (await ok(admin, INVITE, { i: { email: email.toUpperCase(), roles: ['sales_rep'] } })).inviteUser.invitation;
      expect(invited).toMatchObject({ email, roles: ['sales_rep'], contactId: null });
      const ttl = Date.parse(invited.expiresAt) - Date.now();
      expect(ttl).toBeGreaterThan(7 * 86_400_000 - 60_000);
      expect(ttl).toBeLessThanOrEqual(7 * 86_400_000);

      const { token, mail } = await tokenFromMail(email);
      expect(mail.subject).toBe('You are invited to invites on Rapport');
      expect(String(mail.text)).toMatch(/works once, until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
      const [stored] = await db().query(`SELECT token_hash FROM invitations WHERE id = $1`, [invited.id]);
      expect(stored.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
      const [leak] = await db().query(`SELECT count(*)::int AS n FROM invitations WHERE position($1 in invitations::text) > 0`, [token]);
      expect(leak.n).toBe(0);
      const invitedEvents = await probe.waitFor(identityStream(), subject('identity.user.invited'), (events) =>
        events.some((e) => e.subjectId === invited.id),
      );
      expect(JSON.stringify(invitedEvents)).not.toContain(token);

      // A password the policy refuses names the field and leaves the link usable.
      const weak = await anonymous(ACCEPT, { token, displayName: 'New Bie', password: 'short' });
      expect(errorOf(weak)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.password' });
      const same = await anonymous(ACCEPT, { token, displayName: 'New Bie', password: email });
      expect(errorOf(same)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.password' });

      const accepted = await anonymous(ACCEPT, { token, displayName: 'New Bie', password: 'a long new password' });
      expect(accepted.errors).toBeUndefined();
      expect(accepted.data!.acceptInvitation).toEqual({ tenant: { slug: tenant.slug, name: 'invites' }, email });
      const signedIn = await login(email, 'a long new password');
      expect(signedIn.errors).toBeUndefined();
      expect((await ok(signedIn.data!.login.accessToken, ME)).me).toEqual({
        kind: 'user',
        roles: ['sales_rep'],
        user: { displayName: 'New Bie' },
      });
      await probe.waitFor(identityStream(), subject('identity.user.created'), (events) =>
        events.some((e) => (e.data as { user: { email: string } }).user.email === email),
      );

      const again = await anonymous(ACCEPT, { token, displayName: 'Someone Else', password: 'another long password' });
      expect(errorOf(again)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.token' });
      // The address is a user now: inviting it again is a conflict the admin can see.
      expect(errorOf(await graphql(platform.graphqlUrl, INVITE, { i: { email, roles: ['sales_rep'] } }, bearer(admin)))).toMatchObject({
        code: 'CONFLICT',
        field: 'input.email',
      });
    });

    it('inviting the same address again replaces the earlier link; an expired or made-up link does nothing', async () => {
      const email = `twice@${tenant.slug}.test`;
      await ok(admin, INVITE, { i: { email, roles: ['marketer'] } });
      const first = await tokenFromMail(email, 1);
      const second = (await ok(admin, INVITE, { i: { email, roles: ['analyst'] } })).inviteUser.invitation;
      const { token } = await tokenFromMail(email, 2);
      const stale = await anonymous(ACCEPT, { token: first.token, displayName: 'Twice', password: 'a long new password' });
      expect(errorOf(stale)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.token' });
      const madeUp = await anonymous(ACCEPT, { token: 'A'.repeat(43), displayName: 'Twice', password: 'a long new password' });
      expect(errorOf(madeUp)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.token' });

      await db().query(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1`, [second.id]);
      const expired = await anonymous(ACCEPT, { token, displayName: 'Twice', password: 'a long new password' });
      expect(errorOf(expired)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.token' });
      expect(errorOf(await login(email, 'a long new password'))?.code).toBe('UNAUTHENTICATED');
    });

    it("admins list and revoke open invitations; a revoked link does nothing; support managers handle customers' only", async () => {
      const email = `revoked@${tenant.slug}.test`;
      const invitation = (await ok(admin, INVITE, { i: { email, roles: ['support_agent'] } })).inviteUser.invitation;
      const { token } = await tokenFromMail(email);
      const LIST = `{ invitations { id email roles } }`;
      expect((await ok(admin, LIST)).invitations).toContainEqual({ id: invitation.id, email, roles: ['support_agent'] });
      const supportManager = await tenant.tokenFor('support_manager');
      expect((await ok(supportManager, LIST)).invitations.map((i: { id: string }) => i.id)).not.toContain(invitation.id);
      const REVOKE = `mutation($id: ID!) { revokeInvitation(id: $id) { invitation { id email } } }`;
      expect(errorOf(await graphql(platform.graphqlUrl, REVOKE, { id: invitation.id }, bearer(supportManager)))?.code).toBe('NOT_FOUND');
      // … nor replace it with an invitation as a customer.
      const contactId = (
        await ok(admin, `mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`, { i: { lastName: 'Revoked' } })
      ).createContact.contact.id;
      const replace = await graphql(platform.graphqlUrl, INVITE, { i: { email, roles: ['customer'], contactId } }, bearer(supportManager));
      expect(errorOf(replace)).toMatchObject({ code: 'CONFLICT', field: 'input.email' });
      expect(errorOf(await graphql(platform.graphqlUrl, LIST, {}, bearer(await tenant.tokenFor('sales_rep'))))?.code).toBe('FORBIDDEN');

      expect((await ok(admin, REVOKE, { id: invitation.id })).revokeInvitation.invitation).toEqual({ id: invitation.id, email });
      expect((await ok(admin, LIST)).invitations.map((i: { id: string }) => i.id)).not.toContain(invitation.id);
      const revoked = await anonymous(ACCEPT, { token, displayName: 'Too Late', password: 'a long new password' });
      expect(errorOf(revoked)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.token' });
      expect(errorOf(await graphql(platform.graphqlUrl, REVOKE, { id: invitation.id }, bearer(admin)))?.code).toBe('NOT_FOUND');
      await probe.waitFor(identityStream(), subject('identity.user.invitation_revoked'), (events) =>
        events.some((e) => e.subjectId === invitation.id),
      );
    });

    it('a support manager invites a customer to self-service, bound to their contact; staff roles only admins grant', async () => {
      const contactId = (
        await ok(admin, `mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }`, {
          i: { lastName: 'Customer', emails: [`buyer@${tenant.slug}.test`] },
        })
      ).createContact.contact.id;
      const supportManager = await tenant.tokenFor('support_manager');
      const email = `buyer@${tenant.slug}.test`;
      const missingContact = await graphql(platform.graphqlUrl, INVITE, { i: { email, roles: ['customer'] } }, bearer(supportManager));
      expect(errorOf(missingContact)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.contactId' });
      const staff = await graphql(platform.graphqlUrl, INVITE, { i: { email, roles: ['support_agent'] } }, bearer(supportManager));
      expect(errorOf(staff)?.code).toBe('FORBIDDEN');
      const rep = await tenant.tokenFor('sales_rep');
      expect(errorOf(await graphql(platform.graphqlUrl, INVITE, { i: { email, roles: ['customer'], contactId } }, bearer(rep)))?.code).toBe(
        'FORBIDDEN',
      );

      const invited = (await ok(supportManager, INVITE, { i: { email, roles: ['customer'], contactId } })).inviteUser.invitation;
      expect((await ok(supportManager, `{ invitations { id contactId } }`)).invitations).toContainEqual({ id: invited.id, contactId });
      const { token, mail } = await tokenFromMail(email);
      expect(mail.subject).toBe("You are invited to invites's customer self-service");
      expect((await anonymous(ACCEPT, { token, displayName: 'Bea Buyer', password: 'my own portal password' })).errors).toBeUndefined();
      const customer = (await login(email, 'my own portal password')).data!.login.accessToken;
      expect((await ok(customer, ME)).me).toMatchObject({ kind: 'customer', roles: ['customer'] });
      const own = await ok(customer, `query($id: ID!) { contact(id: $id) { id lastName } }`, { id: contactId });
      expect(own.contact).toEqual({ id: contactId, lastName: 'Customer' });
    });
  });

  describe('password resets', () => {
    it('reset → new password works, old fails, sessions end, the link works once', async () => {
      const user = await tenant.createUser('forgetful', ['sales_rep']);
      const email = `forgetful@${tenant.slug}.test`;
      const session = (await login(email, 'integration-password')).data!.login;

      const answer = await anonymous(REQUEST_RESET, { tenant: tenant.slug, email: ` ${email.toUpperCase()} ` });
      expect(answer).toEqual({ status: 200, data: { requestPasswordReset: { accepted: true } }, errors: undefined });
      const { token, mail } = await tokenFromMail(email, 1, 'reset-password');
      expect(mail.subject).toBe('Reset your password for invites');
      const [stored] = await db().query(`SELECT token_hash, expires_at FROM password_resets WHERE user_id = $1`, [user.id]);
      expect(stored.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
      const ttl = new Date(stored.expires_at).getTime() - Date.now();
      expect(ttl).toBeGreaterThan(3600_000 - 60_000);
      expect(ttl).toBeLessThanOrEqual(3600_000);

      const weak = await anonymous(RESET, { token, password: 'tooshort' });
      expect(errorOf(weak)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.password' });
      // The link used twice at the same moment: exactly one use wins.
      const passwords = ['my brand new password', 'a rival new password'];
      const [a, b] = await Promise.all(passwords.map((password) => anonymous(RESET, { token, password })));
      const winner = a.errors ? 1 : 0;
      const [won, lost] = winner === 0 ? [a, b] : [b, a];
      expect(won.errors).toBeUndefined();
      expect(won.data).toEqual({ resetPassword: { tenant: { slug: tenant.slug }, email } });
      expect(errorOf(lost)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.token' });

      expect(errorOf(await login(email, 'integration-password'))?.code).toBe('UNAUTHENTICATED');
      expect(errorOf(await login(email, passwords[1 - winner]))?.code).toBe('UNAUTHENTICATED');
      expect((await login(email, passwords[winner])).errors).toBeUndefined();
      const reuse = await anonymous(RESET, { token, password: 'yet another password' });
      expect(errorOf(reuse)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.token' });

      // Whoever had the old password is signed out: the refresh token at once, the access token within seconds.
      const refresh = await anonymous(`mutation($i: RefreshTokenInput!) { refreshToken(input: $i) { accessToken } }`, {
        refreshToken: session.refreshToken,
      });
      expect(errorOf(refresh)?.code).toBe('UNAUTHENTICATED');
      const since = Date.now();
      for (;;) {
        const res = await graphql(platform.graphqlUrl, ME, {}, bearer(session.accessToken));
        if (errorOf(res)?.code === 'UNAUTHENTICATED') break;
        if (Date.now() - since > 5_000) throw new Error('the old access token still works 5 s after the reset');
        await new Promise((r) => setTimeout(r, 50));
      }
      const events = await probe.waitFor(identityStream(), subject('identity.user.password_reset'), (list) =>
        list.some((e) => e.subjectId === user.id),
      );
      expect(JSON.stringify(events)).not.toContain(token);
    });

    it('answers the same for an unknown email or tenant, and sends nothing', async () => {
      const known = `known@${tenant.slug}.test`;
      await tenant.createUser('known', ['marketer']);
      const unknown = `nobody@${tenant.slug}.test`;
      const answers = await Promise.all([
        anonymous(REQUEST_RESET, { tenant: tenant.slug, email: known }),
        anonymous(REQUEST_RESET, { tenant: tenant.slug, email: unknown }),
        anonymous(REQUEST_RESET, { tenant: 'no-such-tenant', email: known }),
      ]);
      // Status, body and all: nothing tells the three apart.
      for (const answer of answers)
        expect(answer).toEqual({ status: 200, data: { requestPasswordReset: { accepted: true } }, errors: undefined });
      await tokenFromMail(known, 1, 'reset-password');
      await new Promise((r) => setTimeout(r, 1_500));
      expect(mailsTo(unknown)).toEqual([]);
      expect(mailsTo(known)).toHaveLength(1);
    });

    it('an expired or replaced link does nothing', async () => {
      const user = await tenant.createUser('twice-reset', ['sales_rep']);
      const email = `twice-reset@${tenant.slug}.test`;
      await anonymous(REQUEST_RESET, { tenant: tenant.slug, email });
      const first = await tokenFromMail(email, 1, 'reset-password');
      await anonymous(REQUEST_RESET, { tenant: tenant.slug, email });
      const second = await tokenFromMail(email, 2, 'reset-password');
      expect(errorOf(await anonymous(RESET, { token: first.token, password: 'replaced link password' }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.token',
      });
      await db().query(`UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND used_at IS NULL`, [
        user.id,
      ]);
      expect(errorOf(await anonymous(RESET, { token: second.token, password: 'expired link password' }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.token',
      });
      expect((await login(email, 'integration-password')).errors).toBeUndefined();
    });

    it('limits requests per account, known or not, with RATE_LIMITED and retryAfter', async () => {
      const email = `flood@${tenant.slug}.test`;
      for (let i = 0; i < 5; i++) expect((await anonymous(REQUEST_RESET, { tenant: tenant.slug, email })).errors).toBeUndefined();
      const refused = await anonymous(REQUEST_RESET, { tenant: tenant.slug, email });
      expect(errorOf(refused)).toMatchObject({ code: 'RATE_LIMITED' });
      expect(errorOf(refused)?.retryAfter).toBeGreaterThan(0);
    });
  });
});

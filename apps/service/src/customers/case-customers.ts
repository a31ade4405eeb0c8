import { Inject, Injectable } from '@nestjs/common';
import { badUserInput, requirePrincipal, type Principal } from '@rapport/auth';
import { requestLoader, SERVICE_CONFIG, ServiceDatabase, type GraphQLRequestContext } from '@rapport/service-kit';
import type DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import type { ServiceConfig } from '../service.env';
import { CustomerMasterConsumer } from './customer-consumer';
import type { CustomerKind } from '@rapport/customer-master';
import { CUSTOMER_TABLES } from './customer-merges';
import { mayStillArrive, waitForRecord } from './projection-wait';

/** Who a new case is for: the records it was opened for, and their survivors (where it stands). */
export interface CaseCustomer {
  contactId: string;
  accountId: string | null;
  namedContactId: string;
  namedAccountId: string | null;
}

interface Resolved {
  /** The survivor the named record stands for (itself when never merged or unknown). */
  survivorId: string;
  /** The survivor's projection row; null when the projection does not hold it. */
  survivor: { account_id?: string | null; sales_updated_at: Date | null; deleted_at?: Date | null } | null;
  /** The named record is in the projection. */
  known: boolean;
}

/** How long a contact's account change may take from sales' commit to this projection when nothing else is pending. */
const UPDATE_GRACE_MS = 1_000;

/**
 * The customer side of a case, against service's projection of sales'
 * customer master (ADR 008):
 * - staff and partners must name a contact (and optionally an account) that
 *   exists in the tenant; the account must be the contact's; without one the
 *   case takes the contact's account;
 * - a record created in sales a moment ago may not be projected yet, so
 *   `requireKnown` waits a bounded time (SERVICE_CUSTOMER_WAIT_MS) before
 *   refusing — and refuses at once when the id cannot be that new and the
 *   consumer has applied everything;
 * - merged records resolve to their survivor; the case keeps the records
 *   it was opened for, so an unmerge takes it back to them;
 * - a self-service customer acts as their bound contact's survivor.
 */
@Injectable()
export class CaseCustomers {
  constructor(
    private readonly db: ServiceDatabase,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly consumer: CustomerMasterConsumer,
  ) {}

  /** Outside any transaction (it may wait): refuses a contact or account the tenant does not have. */
  async requireKnown(tenantId: string, contactId: string, accountId: string | null): Promise<void> {
    const [contactKnown, accountKnown] = await Promise.all([
      this.awaitRecord(tenantId, 'CONTACT', contactId),
      accountId ? this.awaitRecord(tenantId, 'ACCOUNT', accountId) : Promise.resolve(true),
    ]);
    if (!contactKnown) throw badUserInput('contactId', `contact ${contactId} does not exist in this tenant`);
    if (!accountKnown) throw badUserInput('accountId', `account ${accountId} does not exist in this tenant`);
    if (!accountId) return;
    // The contact may have moved to this account a moment ago: give that update the same chance to arrive
    // (at least a short grace for sales' outbox relay, at most the budget). `settle` has the last word.
    const start = Date.now();
    await waitForRecord({
      present: () => this.db.withTenant(tenantId, (em) => this.accountMatches(em, contactId, accountId)),
      mayStillArrive: (now) => now - start < UPDATE_GRACE_MS,
      caughtUp: () => this.consumer.caughtUp(),
      budgetMs: this.config.SERVICE_CUSTOMER_WAIT_MS,
    });
  }

  /**
   * In the case's transaction: resolves the named records to their
   * survivors (locking both rows FOR SHARE, so a merge or unmerge being
   * applied concurrently either sees this case or is seen by it), checks the
   * account, and returns what the case stores.
   */
  async settle(em: EntityManager, principal: Principal, named: { contactId: string; accountId: string | null }): Promise<CaseCustomer> {
    const contact = await this.resolve(em, 'CONTACT', named.contactId, true);
    const selfService = principal.kind === 'customer';
    // Customers' contacts come from their login (identity's binding), not from input: never refused here.
    if (!contact.known && !selfService) throw badUserInput('contactId', `contact ${named.contactId} does not exist in this tenant`);
    // A contact deleted in sales takes no new cases (until it is restored there).
    if (contact.survivor?.deleted_at && !selfService) throw badUserInput('contactId', `contact ${named.contactId} is deleted`);
    const ownAccountId = contact.survivor?.account_id ?? null;
    const ownAccount = ownAccountId ? await this.resolve(em, 'ACCOUNT', ownAccountId, true) : null;
    if (selfService || !named.accountId) {
      // Taken from the contact: the case follows that account through its merges and unmerges.
      return {
        contactId: contact.survivorId,
        accountId: ownAccount?.survivorId ?? null,
        namedContactId: named.contactId,
        namedAccountId: ownAccountId,
      };
    }
    const account = await this.resolve(em, 'ACCOUNT', named.accountId, true);
    if (!account.known) throw badUserInput('accountId', `account ${named.accountId} does not exist in this tenant`);
    if (account.survivor?.deleted_at) throw badUserInput('accountId', `account ${named.accountId} is deleted`);
    // Only a contact whose snapshot arrived has a known account; one known only from a merge event is not checked.
    if (contact.survivor?.sales_updated_at && ownAccount?.survivorId !== account.survivorId) {
      throw badUserInput(
        'accountId',
        `account ${named.accountId} is not the account of contact ${named.contactId} (` +
          (ownAccount ? `its account is ${ownAccount.survivorId})` : 'it belongs to no account)'),
      );
    }
    return {
      contactId: contact.survivorId,
      accountId: account.survivorId,
      namedContactId: named.contactId,
      namedAccountId: named.accountId,
    };
  }

  /** The contact a self-service customer acts as (their bound contact's survivor); null for staff and integrations. */
  async scope(em: EntityManager, principal: Principal): Promise<string | null> {
    if (principal.kind !== 'customer' || !principal.contactId) return null;
    return (await this.resolve(em, 'CONTACT', principal.contactId, false)).survivorId;
  }

  /**
   * Which of these contacts or accounts sales deleted (restorable there, or
   * gone for good), batched per request: their cases keep their history and
   * show the customer as deleted (ADR 037).
   */
  deletedLoader(context: GraphQLRequestContext, kind: CustomerKind): DataLoader<string, boolean | null> {
    const principal = requirePrincipal(context.principal);
    return requestLoader(context, `deleted${kind}`, async (ids) => {
      const rows: { id: string }[] = await this.db.withTenant(principal.tenantId, (em) =>
        em.query(`SELECT id FROM ${CUSTOMER_TABLES[kind].table} WHERE id = ANY($1::uuid[]) AND deleted_at IS NOT NULL`, [[...ids]]),
      );
      const deleted = new Set(rows.map((r) => r.id));
      return new Map(ids.map((id) => [id, deleted.has(id)]));
    });
  }

  private async awaitRecord(tenantId: string, kind: CustomerKind, id: string): Promise<boolean> {
    return waitForRecord({
      present: async () =>
        (await this.db.withTenant(tenantId, (em) => em.query(`SELECT 1 FROM ${CUSTOMER_TABLES[kind].table} WHERE id = $1`, [id]))).length >
        0,
      mayStillArrive: (now) => mayStillArrive(id, now),
      caughtUp: () => this.consumer.caughtUp(),
      budgetMs: this.config.SERVICE_CUSTOMER_WAIT_MS,
    });
  }

  private async accountMatches(em: EntityManager, contactId: string, accountId: string): Promise<boolean> {
    const contact = await this.resolve(em, 'CONTACT', contactId, false);
    if (!contact.survivor?.sales_updated_at) return true; // not checked (see settle)
    const account = await this.resolve(em, 'ACCOUNT', accountId, false);
    const own = contact.survivor.account_id ? await this.resolve(em, 'ACCOUNT', contact.survivor.account_id, false) : null;
    return own?.survivorId === account.survivorId;
  }

  /** The named record's survivor (merged_into is flat: one hop), locking the rows read when asked. */
  private async resolve(em: EntityManager, kind: CustomerKind, id: string, lock: boolean): Promise<Resolved> {
    const { table } = CUSTOMER_TABLES[kind];
    const forShare = lock ? ' FOR SHARE' : '';
    const [named]: { merged_into: string | null; account_id?: string | null; sales_updated_at: Date | null }[] = await em.query(
      `SELECT * FROM ${table} WHERE id = $1${forShare}`,
      [id],
    );
    if (!named) return { survivorId: id, survivor: null, known: false };
    if (!named.merged_into) return { survivorId: id, survivor: named, known: true };
    const [survivor]: { account_id?: string | null; sales_updated_at: Date | null }[] = await em.query(
      `SELECT * FROM ${table} WHERE id = $1${forShare}`,
      [named.merged_into],
    );
    return { survivorId: named.merged_into, survivor: survivor ?? null, known: true };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { badUserInput, type Principal } from '@rapport/auth';
import { SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import type { ServiceConfig } from '../service.env';
import { CustomerMasterConsumer } from './customer-consumer';
import { CustomerMerges, type CustomerKind, type MergeHop } from './customer-merges';
import { mayStillArrive, waitForRecord } from './projection-wait';

/** Who a new case is for, after merges were followed. */
export interface CaseCustomer {
  contactId: string;
  accountId: string | null;
  /** Merges followed from the named contact / account to the stored one (journalled with the case). */
  contactHops: MergeHop[];
  accountHops: MergeHop[];
}

interface Chain {
  rootId: string;
  /** The root's projection row; null when the chain ends at a record the projection does not hold. */
  root: { account_id?: string | null; sales_updated_at: Date | null } | null;
  hops: MergeHop[];
  /** The named record is in the projection. */
  known: boolean;
}

const TABLES: Record<CustomerKind, string> = { CONTACT: 'customer_contacts', ACCOUNT: 'customer_accounts' };
const MAX_HOPS = 32;
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
 * - merged records resolve to their survivor, journalled so an unmerge
 *   takes the case back to the record it named;
 * - a self-service customer acts as their bound contact's survivor.
 */
@Injectable()
export class CaseCustomers {
  constructor(
    private readonly db: ServiceDatabase,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly consumer: CustomerMasterConsumer,
    private readonly merges: CustomerMerges,
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
   * In the case's transaction: follows merges (locking each record of the
   * chain FOR SHARE, so a merge or unmerge being applied concurrently either
   * sees this case or is seen by it), checks the account, and returns what
   * the case stores.
   */
  async settle(em: EntityManager, principal: Principal, named: { contactId: string; accountId: string | null }): Promise<CaseCustomer> {
    const contact = await this.chain(em, 'CONTACT', named.contactId, true);
    const selfService = principal.kind === 'customer';
    // Customers' contacts come from their login (identity's binding), not from input: never refused here.
    if (!contact.known && !selfService) throw badUserInput('contactId', `contact ${named.contactId} does not exist in this tenant`);
    const contactAccount = contact.root?.account_id ? await this.chain(em, 'ACCOUNT', contact.root.account_id, true) : null;
    if (selfService || !named.accountId) {
      return {
        contactId: contact.rootId,
        accountId: contactAccount?.rootId ?? null,
        contactHops: contact.hops,
        // Taken from the contact: if account merges moved the contact, their unmerge moves this case back with it.
        accountHops: contactAccount ? [...(await this.accountMovesOf(em, contact.rootId)), ...contactAccount.hops] : [],
      };
    }
    const account = await this.chain(em, 'ACCOUNT', named.accountId, true);
    if (!account.known) throw badUserInput('accountId', `account ${named.accountId} does not exist in this tenant`);
    // Only a contact whose snapshot arrived has a known account; one known only from a merge event is not checked.
    if (contact.root?.sales_updated_at && contactAccount?.rootId !== account.rootId) {
      throw badUserInput(
        'accountId',
        `account ${named.accountId} is not the account of contact ${named.contactId} (` +
          (contactAccount ? `its account is ${contactAccount.rootId})` : 'it belongs to no account)'),
      );
    }
    return { contactId: contact.rootId, accountId: account.rootId, contactHops: contact.hops, accountHops: account.hops };
  }

  /** After the case row is written: the merges it was resolved through know about it. */
  async journal(em: EntityManager, tenantId: string, caseId: string, customer: CaseCustomer): Promise<void> {
    await this.merges.journal(em, tenantId, 'cases.contact_id', caseId, customer.contactHops);
    await this.merges.journal(em, tenantId, 'cases.account_id', caseId, customer.accountHops);
  }

  /** The contact a self-service customer acts as (their bound contact's survivor); null for staff and integrations. */
  async scope(em: EntityManager, principal: Principal): Promise<string | null> {
    if (principal.kind !== 'customer' || !principal.contactId) return null;
    return (await this.chain(em, 'CONTACT', principal.contactId, false)).rootId;
  }

  private async awaitRecord(tenantId: string, kind: CustomerKind, id: string): Promise<boolean> {
    return waitForRecord({
      present: async () =>
        (await this.db.withTenant(tenantId, (em) => em.query(`SELECT 1 FROM ${TABLES[kind]} WHERE id = $1`, [id]))).length > 0,
      mayStillArrive: (now) => mayStillArrive(id, now),
      caughtUp: () => this.consumer.caughtUp(),
      budgetMs: this.config.SERVICE_CUSTOMER_WAIT_MS,
    });
  }

  private async accountMatches(em: EntityManager, contactId: string, accountId: string): Promise<boolean> {
    const contact = await this.chain(em, 'CONTACT', contactId, false);
    if (!contact.root?.sales_updated_at) return true; // not checked (see settle)
    const account = await this.chain(em, 'ACCOUNT', accountId, false);
    const own = contact.root.account_id ? await this.chain(em, 'ACCOUNT', contact.root.account_id, false) : null;
    return own?.rootId === account.rootId;
  }

  /** The account merges (still in force) that moved the contact's projected account, oldest first. */
  private async accountMovesOf(em: EntityManager, contactId: string): Promise<MergeHop[]> {
    return em.query(
      `SELECT l.merge_id AS "mergeId", l.from_id AS "fromId" FROM customer_merge_links l
         JOIN customer_merges m ON m.tenant_id = l.tenant_id AND m.id = l.merge_id
        WHERE l.target = 'customer_contacts.account_id' AND l.row_id = $1 AND m.unmerged_at IS NULL
        ORDER BY m.applied_at, m.id`,
      [contactId],
    );
  }

  /** Follows merged_into from `id` to the live record. */
  private async chain(em: EntityManager, kind: CustomerKind, id: string, lock: boolean): Promise<Chain> {
    const hops: MergeHop[] = [];
    const seen = new Set<string>();
    let current = id;
    for (;;) {
      const [row]: {
        id: string;
        account_id?: string | null;
        merged_into: string | null;
        merge_id: string | null;
        sales_updated_at: Date | null;
      }[] = await em.query(`SELECT * FROM ${TABLES[kind]} WHERE id = $1${lock ? ' FOR SHARE' : ''}`, [current]);
      if (!row) return { rootId: current, root: null, hops, known: hops.length > 0 };
      seen.add(current);
      // A cycle can only come from events applied out of order; stop where it closes rather than loop.
      if (!row.merged_into || !row.merge_id || seen.has(row.merged_into) || hops.length >= MAX_HOPS) {
        return { rootId: current, root: row, hops, known: true };
      }
      hops.push({ mergeId: row.merge_id, fromId: current });
      current = row.merged_into;
    }
  }
}

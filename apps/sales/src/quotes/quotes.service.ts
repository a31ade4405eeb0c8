import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, inScope, notFound, type Principal } from '@rapport/auth';
import { OPPORTUNITY_UPDATED, QUOTE_ACCEPTED, QUOTE_SENT } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { groupBy, ServiceDatabase, validate, AccessPolicy, SharingPolicy } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { OwnedRecords, requireChangeShared, type OwnedScopes } from '../access/owned-records';
import { whereQuoteVisible } from './quote-visibility';
import { requireDealRead } from '../access/sales-access';
import { ContactEntity } from '../contacts/contact.entity';
import { OpportunityEntity } from '../opportunities/opportunity.entity';
import { OpportunityProgressService } from '../opportunities/opportunity-progress.service';
import { requireOpen } from '../opportunities/opportunity-rules';
import { opportunitySnapshot } from '../opportunities/opportunity-snapshot';
import { lockOpportunity, storeWonAmount } from '../opportunities/opportunity-store';
import { PriceBookEntity } from '../products/price-book.entity';
import { ensureStandardPriceBook } from '../products/price-book-store';
import { tierPriceBook } from '../pricing/value-pricing';
import { QuoteEntity, QuoteLineEntity } from './quote.entity';
import { MAX_LINES, type AcceptQuoteInput, type CreateQuoteInput, type UpdateQuoteInput } from './quote-input';
import type { QuoteDocumentData } from './quote-pdf';
import { totalsOf } from './quote-pricing';
import { DEFAULT_VALIDITY_DAYS, requireDraft, requireFutureExpiry, requireSent, wonAmountOf } from './quote-rules';
import { assertContact, linesOfQuote, nextQuoteNumber, priceLines, productsById, quoteEvent } from './quote-store';
import { customerSubjects, TimelineRecorder } from '../timeline/timeline-recorder';
import { parsePercent } from './quote-totals';

/**
 * Quotes: priced offers for an opportunity. Every change locks the quote,
 * re-computes totals with quoteTotals and writes its events in the same
 * transaction. Changing a quote is for whoever may change its opportunity.
 */
@Injectable()
export class QuotesService {
  constructor(
    private readonly access: AccessPolicy,
    private readonly db: ServiceDatabase,
    private readonly progress: OpportunityProgressService,
    private readonly owned: OwnedRecords,
    private readonly sharing: SharingPolicy,
  ) {}

  async create(principal: Principal, input: CreateQuoteInput): Promise<QuoteEntity> {
    const opportunityId = validate.requireUuid('opportunityId', input.opportunityId);
    const priceBookId = validate.optionalUuid('priceBookId', input.priceBookId) ?? null;
    const contactId = validate.optionalUuid('contactId', input.contactId);
    const taxRate = parsePercent('taxRatePercent', input.taxRatePercent);
    const now = new Date();
    const expiresAt =
      input.expiresAt == null
        ? new Date(now.getTime() + DEFAULT_VALIDITY_DAYS * 86_400_000)
        : requireFutureExpiry('expiresAt', new Date(input.expiresAt), now);
    const notes = validate.text('notes', input.notes, { max: 4000 });
    const lineInputs = validate.listOf('lines', input.lines, MAX_LINES);
    const scopes = await this.owned.scopes(principal, 'opportunities');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const opportunity = await em.getRepository(OpportunityEntity).findOneBy({ id: opportunityId });
      // A hidden opportunity is as absent as a missing one.
      if (!opportunity || !inScope(scopes.read, opportunity.ownerId))
        throw badUserInput('opportunityId', `no opportunity ${opportunityId}`);
      requireChangeShared(principal, 'opportunities', opportunity, scopes);
      requireOpen(opportunity);
      const contact = contactId === undefined ? opportunity.primaryContactId : contactId;
      await assertContact(em, 'contactId', contact);
      // Value-based pricing: without a book named, the addressee's value tier may choose one (ADR 045).
      const byTier = priceBookId ? null : await tierPriceBook(em, contact);
      const book = priceBookId
        ? await em.getRepository(PriceBookEntity).findOneBy({ id: priceBookId })
        : (byTier?.book ?? (await ensureStandardPriceBook(em, principal.tenantId)));
      if (!book) throw badUserInput('priceBookId', `no price book ${priceBookId}`);
      const quote = Object.assign(new QuoteEntity(), {
        id: uuidv7(),
        tenantId: principal.tenantId,
        number: await nextQuoteNumber(em, principal.tenantId, now.getUTCFullYear()),
        opportunityId,
        accountId: opportunity.accountId,
        contactId: contact,
        priceBookId: book.id,
        currency: opportunity.currency,
        taxRate,
        status: 'DRAFT' as const,
        expiresAt,
        notes,
        pricingReason: byTier?.reason ?? null,
        sentAt: null,
        acceptedAt: null,
        rejectedAt: null,
        createdById: principal.kind === 'user' ? principal.id : null,
        createdAt: now,
        updatedAt: now,
      });
      const lines = await priceLines(em, quote, lineInputs);
      Object.assign(quote, totalsOf(quote, lines));
      await em.getRepository(QuoteEntity).insert(quote);
      if (lines.length > 0) await em.getRepository(QuoteLineEntity).insert(lines);
      return quote;
    });
  }

  async update(principal: Principal, input: UpdateQuoteInput): Promise<QuoteEntity> {
    const id = validate.requireUuid('id', input.id);
    const scopes = await this.owned.scopes(principal, 'opportunities');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const before = await this.lockForChange(em, principal, id, scopes);
      requireDraft(before);
      const after = Object.assign(new QuoteEntity(), before, { updatedAt: new Date() });
      if ('contactId' in input) {
        after.contactId = validate.optionalUuid('contactId', input.contactId) ?? null;
        await assertContact(em, 'contactId', after.contactId);
      }
      if ('taxRatePercent' in input) after.taxRate = parsePercent('taxRatePercent', input.taxRatePercent);
      if (input.expiresAt != null) after.expiresAt = requireFutureExpiry('expiresAt', new Date(input.expiresAt));
      if ('notes' in input) after.notes = validate.text('notes', input.notes, { max: 4000 });
      let lines: QuoteLineEntity[];
      if (input.lines != null) {
        lines = await priceLines(em, after, validate.listOf('lines', input.lines, MAX_LINES));
        await em.getRepository(QuoteLineEntity).delete({ quoteId: id });
        if (lines.length > 0) await em.getRepository(QuoteLineEntity).insert(lines);
      } else {
        lines = await linesOfQuote(em, id);
      }
      Object.assign(after, totalsOf(after, lines));
      await em.getRepository(QuoteEntity).update({ id }, { ...after });
      return after;
    });
  }

  /** DRAFT → SENT; publishes sales.quote.sent. A quote needs at least one line and a future expiresAt to be sent. */
  async send(principal: Principal, input: { id: string }): Promise<QuoteEntity> {
    const id = validate.requireUuid('id', input.id);
    const scopes = await this.owned.scopes(principal, 'opportunities');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const before = await this.lockForChange(em, principal, id, scopes);
      requireDraft(before);
      const lines = await linesOfQuote(em, id);
      if (lines.length === 0) throw badUserInput('id', 'a quote needs at least one line to be sent');
      const now = new Date();
      requireFutureExpiry('expiresAt', before.expiresAt, now);
      const after = Object.assign(new QuoteEntity(), before, { status: 'SENT' as const, sentAt: now, updatedAt: now });
      await em.getRepository(QuoteEntity).update({ id }, { status: after.status, sentAt: now, updatedAt: now });
      await TimelineRecorder.record(em, {
        tenantId: principal.tenantId,
        subjects: [...customerSubjects(after.accountId, after.contactId), { type: 'OPPORTUNITY', id: after.opportunityId }],
        kind: 'QUOTE_SENT',
        occurredAt: now,
        summary: `Quote ${after.number} sent (${after.total} ${after.currency})`,
        refId: after.id,
      });
      await this.db.publish(em, await quoteEvent(em, principal, QUOTE_SENT, after, lines, {}));
      return after;
    });
  }

  /**
   * SENT → ACCEPTED; publishes sales.quote.accepted. With closeOpportunity
   * (the default) the opportunity takes the quote's total as its amount
   * (publishing sales.opportunity.updated if it differed) and is closed as
   * won through OpportunityProgressService — all in this one transaction.
   * Accepting twice, or an expired quote, is a CONFLICT.
   */
  async accept(principal: Principal, input: AcceptQuoteInput): Promise<{ quote: QuoteEntity; opportunity: OpportunityEntity }> {
    const id = validate.requireUuid('id', input.id);
    const close = input.closeOpportunity ?? true;
    const scopes = await this.owned.scopes(principal, 'opportunities');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const before = await this.lockForChange(em, principal, id, scopes);
      requireSent(before);
      const now = new Date();
      const after = Object.assign(new QuoteEntity(), before, { status: 'ACCEPTED' as const, acceptedAt: now, updatedAt: now });
      await em.getRepository(QuoteEntity).update({ id }, { status: after.status, acceptedAt: now, updatedAt: now });
      let opportunity = await lockOpportunity(em, before.opportunityId);
      if (close) {
        requireOpen(opportunity);
        await this.takeQuoteTotal(em, principal, opportunity, after);
        opportunity = await this.progress.closeWithin(
          em,
          principal,
          { id: opportunity.id, won: true, reason: `quote ${after.number} accepted` },
          scopes,
        );
      }
      const lines = await linesOfQuote(em, id);
      await TimelineRecorder.record(em, {
        tenantId: principal.tenantId,
        subjects: [...customerSubjects(after.accountId, after.contactId), { type: 'OPPORTUNITY', id: after.opportunityId }],
        kind: 'QUOTE_ACCEPTED',
        occurredAt: now,
        summary: `Quote ${after.number} accepted`,
        refId: after.id,
      });
      await this.db.publish(em, await quoteEvent(em, principal, QUOTE_ACCEPTED, after, lines, { opportunityWon: close }));
      return { quote: after, opportunity };
    });
  }

  /** SENT → REJECTED (no event in this version; the opportunity stays as it is). */
  async reject(principal: Principal, input: { id: string }): Promise<QuoteEntity> {
    const id = validate.requireUuid('id', input.id);
    const scopes = await this.owned.scopes(principal, 'opportunities');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const before = await this.lockForChange(em, principal, id, scopes);
      requireSent(before);
      const now = new Date();
      await em.getRepository(QuoteEntity).update({ id }, { status: 'REJECTED', rejectedAt: now, updatedAt: now });
      return Object.assign(new QuoteEntity(), before, { status: 'REJECTED' as const, rejectedAt: now, updatedAt: now });
    });
  }

  async get(principal: Principal, id: string): Promise<QuoteEntity | null> {
    requireDealRead(principal, 'QUOTES', await this.access.overrides(principal));
    validate.requireUuid('id', id);
    return (await this.getMany(principal, [id])).get(id) ?? null;
  }

  /** Quotes by id in one query; missing ones and those of opportunities the caller may not see are absent. */
  async getMany(principal: Principal, ids: readonly string[]): Promise<Map<string, QuoteEntity>> {
    requireDealRead(principal, 'QUOTES', await this.access.overrides(principal));
    const visible = await this.sharing.readScope(principal, 'OPPORTUNITY');
    const rows = await this.db.withTenant(principal.tenantId, (em) =>
      whereQuoteVisible(
        em
          .getRepository(QuoteEntity)
          .createQueryBuilder('q')
          .where('q.id = ANY(:ids)', { ids: [...ids] }),
        visible,
      ).getMany(),
    );
    return new Map(rows.map((q) => [q.id, q]));
  }

  /** Quotes per opportunity id, newest first. */
  async quotesOf(principal: Principal, opportunityIds: readonly string[]): Promise<Map<string, QuoteEntity[]>> {
    requireDealRead(principal, 'QUOTES', await this.access.overrides(principal));
    const visible = await this.sharing.readScope(principal, 'OPPORTUNITY');
    const rows = await this.db.withTenant(principal.tenantId, (em) =>
      whereQuoteVisible(
        em
          .getRepository(QuoteEntity)
          .createQueryBuilder('q')
          .where('q.opportunity_id = ANY(:ids)', { ids: [...opportunityIds] }),
        visible,
      )
        .orderBy('q.created_at', 'DESC')
        .addOrderBy('q.id', 'DESC')
        .getMany(),
    );
    return groupBy(opportunityIds, rows, (q) => q.opportunityId);
  }

  /** Lines per quote id, in order. */
  async linesOf(principal: Principal, quoteIds: readonly string[]): Promise<Map<string, QuoteLineEntity[]>> {
    requireDealRead(principal, 'QUOTES', await this.access.overrides(principal));
    const rows = await this.db.withTenant(principal.tenantId, (em) =>
      em
        .getRepository(QuoteLineEntity)
        .createQueryBuilder('l')
        .where('l.quote_id = ANY(:ids)', { ids: [...quoteIds] })
        .orderBy('l.quote_id')
        .addOrderBy('l.position')
        .getMany(),
    );
    return groupBy(quoteIds, rows, (l) => l.quoteId);
  }

  /** Everything the PDF shows, read in one tenant transaction. Null when the quote does not exist (in this tenant). */
  async document(principal: Principal, id: string): Promise<QuoteDocumentData | null> {
    requireDealRead(principal, 'QUOTES', await this.access.overrides(principal));
    validate.requireUuid('id', id);
    // The PDF is an export of the quote: a quote of a hidden opportunity does not exist for the caller.
    const visible = await this.sharing.readScope(principal, 'OPPORTUNITY');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const quote = await whereQuoteVisible(
        em.getRepository(QuoteEntity).createQueryBuilder('q').where('q.id = :id', { id }),
        visible,
      ).getOne();
      if (!quote) return null;
      const lines = await linesOfQuote(em, id);
      const [account]: { name: string }[] = await em.query(`SELECT name FROM accounts WHERE id = $1`, [quote.accountId]);
      const contact = quote.contactId ? await em.getRepository(ContactEntity).findOneBy({ id: quote.contactId }) : null;
      const products = await productsById(
        em,
        lines.map((l) => l.productId),
      );
      return { quote, lines, accountName: account?.name ?? '', contact, products };
    });
  }

  private async lockForChange(em: EntityManager, principal: Principal, id: string, scopes: OwnedScopes): Promise<QuoteEntity> {
    const quote = await em.getRepository(QuoteEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    // Read through the live view: a quote of a deleted opportunity waits with it in the restore window (ADR 037).
    const opportunity = quote && (await em.getRepository(OpportunityEntity).findOneBy({ id: quote.opportunityId }));
    // A quote of an opportunity the caller may not see (or that is deleted) is not found, without naming the opportunity.
    if (!quote || !opportunity || !inScope(scopes.read, opportunity.ownerId)) throw notFound('Quote', id);
    requireChangeShared(principal, 'opportunities', opportunity, scopes);
    return quote;
  }

  /** The won amount is what the customer accepted: the quote's total, in its currency (see wonAmountOf). */
  private async takeQuoteTotal(em: EntityManager, principal: Principal, opportunity: OpportunityEntity, quote: QuoteEntity): Promise<void> {
    const won = wonAmountOf(opportunity, quote);
    if (!won) return;
    const after = Object.assign(new OpportunityEntity(), opportunity, {
      amount: won.amount,
      currency: won.currency,
      updatedAt: new Date(),
    });
    await storeWonAmount(em, opportunity.id, after);
    await this.db.publish(
      em,
      newEvent({
        type: OPPORTUNITY_UPDATED,
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        subjectId: opportunity.id,
        data: { opportunity: opportunitySnapshot(after), changed: won.changed },
      }),
    );
  }
}

import { Injectable } from '@nestjs/common';
import { actorOf, badUserInput, inScope, notFound, type Principal, type RecordScope } from '@rapport/auth';
import { LEAD_CONVERTED } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import { OwnerDirectory, ServiceDatabase, SharingPolicy, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { OwnedRecords, requireChangeShared } from '../access/owned-records';
import { AccountEntity } from '../accounts/account.entity';
import { AccountsService } from '../accounts/accounts.service';
import { ContactEntity } from '../contacts/contact.entity';
import { ContactsService } from '../contacts/contacts.service';
import type { MoneyInput } from '../opportunities/money-input';
import type { OpportunityEntity } from '../opportunities/opportunity.entity';
import { OpportunitiesService } from '../opportunities/opportunities.service';
import { customerSubjects, TimelineRecorder } from '../timeline/timeline-recorder';
import { LeadEntity } from './lead.entity';
import { requireConvertible } from './lead-rules';
import { leadSnapshot } from './lead-snapshot';

export interface ConvertLeadInput {
  leadId: string;
  accountId?: string | null;
  contactId?: string | null;
  createOpportunity?: { name: string; amount: MoneyInput; closeDate: string; pipelineId?: string | null } | null;
}

export interface ConversionResult {
  lead: LeadEntity;
  account: AccountEntity;
  accountCreated: boolean;
  contact: ContactEntity;
  contactCreated: boolean;
  opportunity: OpportunityEntity | null;
}

/**
 * Turns a lead into a customer in ONE transaction: account and contact
 * (reused or created through their own services, so their validation and
 * events stay in one place), optionally an opportunity, then the lead is
 * marked CONVERTED with links to all of it and sales.lead.converted is
 * written to the outbox. Any failure rolls back everything, events included.
 */
@Injectable()
export class LeadConversionService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly accounts: AccountsService,
    private readonly contacts: ContactsService,
    private readonly opportunities: OpportunitiesService,
    private readonly owners: OwnerDirectory,
    private readonly owned: OwnedRecords,
    private readonly sharing: SharingPolicy,
  ) {}

  async convert(principal: Principal, input: ConvertLeadInput): Promise<ConversionResult> {
    const leadId = validate.requireUuid('leadId', input.leadId);
    const accountId = validate.optionalUuid('accountId', input.accountId) ?? null;
    const contactId = validate.optionalUuid('contactId', input.contactId) ?? null;
    const scopes = await this.owned.scopes(principal, 'leads');
    // An existing contact or account to convert into must be one the caller may see.
    const visible = {
      contacts: await this.sharing.readScope(principal, 'CONTACT'),
      accounts: await this.sharing.readScope(principal, 'ACCOUNT'),
    };
    return this.db.withTenant(principal.tenantId, async (em) => {
      // The row lock serialises concurrent conversions of one lead: the others
      // wait here, then read CONVERTED and are refused before creating anything.
      const lead = await em.getRepository(LeadEntity).findOne({ where: { id: leadId }, lock: { mode: 'pessimistic_write' } });
      if (!lead) throw notFound('Lead', leadId);
      requireChangeShared(principal, 'leads', lead, scopes);
      requireConvertible(lead);
      const ownerId = await this.ownerFor(em, principal, lead);

      const reusedContact = contactId ? await em.getRepository(ContactEntity).findOneBy({ id: contactId }) : null;
      if (contactId && (!reusedContact || !inScope(visible.contacts, reusedContact.ownerId))) {
        throw badUserInput('contactId', `no contact ${contactId}`);
      }
      if (accountId && reusedContact?.accountId && reusedContact.accountId !== accountId) {
        throw badUserInput('contactId', `belongs to account ${reusedContact.accountId}, not to accountId`);
      }
      const { account, created: accountCreated } = await this.accountFor(
        em,
        principal,
        lead,
        accountId ?? reusedContact?.accountId ?? null,
        ownerId,
        visible.accounts,
      );
      const contact =
        reusedContact ??
        (await this.contacts.createWithin(em, principal, {
          firstName: lead.firstName,
          lastName: lead.lastName,
          emails: lead.email ? [lead.email] : [],
          phones: lead.phone ? [lead.phone] : [],
          accountId: account.id,
          ownerId,
        }));
      const spec = input.createOpportunity;
      const opportunity = spec
        ? await this.opportunities.createWithin(
            em,
            principal,
            { ...spec, accountId: account.id, primaryContactId: contact.id, ownerId },
            'createOpportunity.',
            lead.id,
          )
        : null;

      const now = new Date();
      const converted = Object.assign(new LeadEntity(), lead, {
        status: 'CONVERTED' as const,
        convertedAt: now,
        convertedAccountId: account.id,
        convertedContactId: contact.id,
        convertedOpportunityId: opportunity?.id ?? null,
        updatedAt: now,
      });
      await em.getRepository(LeadEntity).update({ id: lead.id }, { ...converted });
      await TimelineRecorder.record(em, {
        tenantId: principal.tenantId,
        subjects: [...customerSubjects(account.id, contact.id), { type: 'LEAD', id: lead.id }],
        kind: 'LEAD_CONVERTED',
        occurredAt: now,
        summary: `Lead converted: ${[lead.firstName, lead.lastName].filter(Boolean).join(' ')}`,
        refId: lead.id,
      });
      await this.db.publish(
        em,
        newEvent({
          type: LEAD_CONVERTED,
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          subjectId: lead.id,
          data: {
            lead: leadSnapshot(converted),
            accountId: account.id,
            accountCreated,
            contactId: contact.id,
            contactCreated: !reusedContact,
            opportunityId: opportunity?.id ?? null,
          },
        }),
      );
      return { lead: converted, account, accountCreated, contact, contactCreated: !reusedContact, opportunity };
    });
  }

  /**
   * The new records belong to the lead's owner while that user can still own
   * records; a lead without one, or whose owner was deactivated since, gives
   * them to the user converting it.
   */
  private async ownerFor(em: EntityManager, principal: Principal, lead: LeadEntity): Promise<string | null> {
    const caller = principal.kind === 'user' ? principal.id : null;
    if (!lead.ownerId) return caller;
    return (await this.owners.refusals(em, principal, [lead.ownerId])).has(lead.ownerId) ? caller : lead.ownerId;
  }

  /** The named (or reused contact's) account, else a new one named after the lead's company. */
  private async accountFor(
    em: EntityManager,
    principal: Principal,
    lead: LeadEntity,
    accountId: string | null,
    ownerId: string | null,
    visible: RecordScope,
  ) {
    if (accountId) {
      const account = await em.getRepository(AccountEntity).findOneBy({ id: accountId });
      if (!account || !inScope(visible, account.ownerId)) throw badUserInput('accountId', `no account ${accountId}`);
      return { account, created: false };
    }
    if (!lead.company) throw badUserInput('accountId', 'the lead has no company; name an existing account');
    return { account: await this.accounts.createWithin(em, principal, { name: lead.company, ownerId }), created: true };
  }
}

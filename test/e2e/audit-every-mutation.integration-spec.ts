import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bearer, graphql } from '@rapport/testing';
import { buildSchema } from 'graphql';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { auditEntriesByRequest, newRequestId } from '../harness/audit';
import { customerToken } from '../harness/platform';
import { startMarketingRig, type MarketingRig } from '../harness/marketing-fixtures';

/**
 * Every mutation of the composed schema leaves exactly one audit entry when
 * it succeeds (ADR 025). The table below calls each with arguments that
 * work; a mutation added to any subgraph without a row here fails the first
 * test, so the table cannot fall behind the schema.
 */

type Ctx = Record<string, any>;
type Caller = 'admin' | 'agent' | 'customer' | 'anonymous';

interface Step {
  mutation: string;
  as?: Caller;
  query: string;
  variables?: (ctx: Ctx) => Record<string, unknown>;
  /** Keeps what later steps need. */
  keep?: (data: any, ctx: Ctx) => void;
  /** The mutation depends on events reaching another service: tried again until it succeeds. */
  eventually?: boolean;
}

const m = (mutation: string, signature: string, selection: string, rest: Omit<Step, 'mutation' | 'query'> = {}): Step => ({
  mutation,
  query: `mutation${signature} { ${mutation}${selection} }`,
  ...rest,
});
const input = (name: string) => `($input: ${name}!)`;
const IN = '(input: $input)';
const money = (amount: string) => ({ amount, currency: 'EUR' });
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);

const STEPS: Step[] = [
  // identity
  m('login', input('LoginInput'), `${IN} { accessToken refreshToken }`, {
    as: 'anonymous',
    variables: (c) => ({ input: { tenant: c.slug, email: `admin@${c.slug}.test`, password: 'integration-password' } }),
    keep: (d, c) => (c.refreshToken = d.login.refreshToken),
  }),
  m('refreshToken', input('RefreshTokenInput'), `${IN} { refreshToken }`, {
    as: 'anonymous',
    variables: (c) => ({ input: { refreshToken: c.refreshToken } }),
    keep: (d, c) => (c.refreshToken = d.refreshToken.refreshToken),
  }),
  m('logout', input('RefreshTokenInput'), IN, { as: 'anonymous', variables: (c) => ({ input: { refreshToken: c.refreshToken } }) }),
  m('createUser', input('CreateUserInput'), `${IN} { user { id } }`, {
    variables: (c) => ({
      input: { email: `walk@${c.slug}.test`, displayName: 'Walker', password: 'a-long-password', roles: ['sales_rep'] },
    }),
    keep: (d, c) => (c.userId = d.createUser.user.id),
  }),
  m('updateUser', input('UpdateUserInput'), `${IN} { user { id } }`, {
    variables: (c) => ({ input: { id: c.userId, displayName: 'Walker Two', roles: ['sales_rep', 'marketer'] } }),
  }),
  m('deactivateUser', '($id: ID!)', '(id: $id) { user { id } }', { variables: (c) => ({ id: c.userId }) }),
  m('reactivateUser', '($id: ID!)', '(id: $id) { user { id } }', { variables: (c) => ({ id: c.userId }) }),
  m('createApiKey', input('CreateApiKeyInput'), `${IN} { apiKey { id } }`, {
    variables: () => ({ input: { name: 'walk', scopes: ['contacts:read'] } }),
    keep: (d, c) => (c.apiKeyId = d.createApiKey.apiKey.id),
  }),
  m('setCallerQuota', input('SetCallerQuotaInput'), `${IN} { apiKey { id } }`, {
    variables: (c) => ({ input: { apiKeyId: c.apiKeyId, ratePerMinute: 100 } }),
  }),
  m('revokeApiKey', '($id: ID!)', '(id: $id) { apiKey { id } }', { variables: (c) => ({ id: c.apiKeyId }) }),
  m('setSharingRules', input('SetSharingRulesInput'), `${IN} { sharingRule { access } }`, {
    variables: () => ({ input: { object: 'LEAD', access: 'PUBLIC_READ_ONLY' } }),
  }),
  m('setFieldAccess', input('SetFieldAccessInput'), `${IN} { fieldAccess { access } }`, {
    variables: () => ({ input: { role: 'partner', fieldGroup: 'VALUE', access: 'NONE' } }),
  }),
  m('inviteUser', input('InviteUserInput'), `${IN} { invitation { id } }`, {
    variables: (c) => ({ input: { email: `revoked@${c.slug}.test`, roles: ['sales_rep'] } }),
    keep: (d, c) => (c.invitationId = d.inviteUser.invitation.id),
  }),
  m('revokeInvitation', '($id: ID!)', '(id: $id) { invitation { id } }', { variables: (c) => ({ id: c.invitationId }) }),
  m('inviteUser', input('InviteUserInput'), `${IN} { invitation { id } }`, {
    variables: (c) => ({ input: { email: `invited@${c.slug}.test`, roles: ['sales_rep'] } }),
  }),
  m('acceptInvitation', input('AcceptInvitationInput'), `${IN} { email }`, {
    as: 'anonymous',
    variables: (c) => ({ input: { token: c.linkToken, displayName: 'Invited', password: 'a long invited password' } }),
  }),
  m('requestPasswordReset', input('RequestPasswordResetInput'), `${IN} { accepted }`, {
    as: 'anonymous',
    variables: (c) => ({ input: { tenant: c.slug, email: `invited@${c.slug}.test` } }),
  }),
  m('resetPassword', input('ResetPasswordInput'), `${IN} { email }`, {
    as: 'anonymous',
    variables: (c) => ({ input: { token: c.linkToken, password: 'a longer reset password' } }),
  }),
  m('setAuditRetention', input('SetAuditRetentionInput'), `${IN} { retention { days } }`, { variables: () => ({ input: { days: 400 } }) }),
  // .invalid never resolves: the walk's deliveries fail quietly instead of leaving the machine.
  m('createWebhookEndpoint', input('CreateWebhookEndpointInput'), `${IN} { endpoint { id } secret }`, {
    variables: () => ({ input: { url: 'https://webhook.invalid/walk', eventTypes: ['sales.contact.created'] } }),
    keep: (d, c) => (c.webhookEndpointId = d.createWebhookEndpoint.endpoint.id),
  }),
  m('updateWebhookEndpoint', input('UpdateWebhookEndpointInput'), `${IN} { endpoint { id } }`, {
    variables: (c) => ({ input: { id: c.webhookEndpointId, description: 'the walk' } }),
  }),
  m('rotateWebhookSecret', input('RotateWebhookSecretInput'), `${IN} { endpoint { id } secret }`, {
    variables: (c) => ({ input: { endpointId: c.webhookEndpointId, gracePeriodSeconds: 60 } }),
  }),
  m('redeliverWebhook', '($id: ID!)', '(deliveryId: $id) { delivery { id } }', { variables: (c) => ({ id: c.webhookDeliveryId }) }),
  m('replayWebhookEndpoint', input('ReplayWebhookEndpointInput'), `${IN} { endpoint { id } }`, {
    variables: (c) => ({ input: { endpointId: c.webhookEndpointId, since: new Date(Date.now() - 60_000).toISOString() } }),
  }),
  m('deleteWebhookEndpoint', '($id: ID!)', '(id: $id) { deletedEndpointId }', { variables: (c) => ({ id: c.webhookEndpointId }) }),

  // sales
  m('createAccount', input('CreateAccountInput'), `${IN} { account { id } }`, {
    variables: () => ({ input: { name: 'Walk Ltd', domain: 'walk.test' } }),
    keep: (d, c) => (c.accountId = d.createAccount.account.id),
  }),
  m('updateAccount', input('UpdateAccountInput'), `${IN} { account { id } }`, {
    variables: (c) => ({ input: { id: c.accountId, industry: 'Retail' } }),
  }),
  m('createContact', input('CreateContactInput'), `${IN} { contact { id } }`, {
    variables: (c) => ({ input: { lastName: 'Walkabout', firstName: 'Wally', emails: ['wally@walk.test'], accountId: c.accountId } }),
    keep: (d, c) => (c.contactId = d.createContact.contact.id),
  }),
  m('updateContact', input('UpdateContactInput'), `${IN} { contact { id } }`, {
    variables: (c) => ({ input: { id: c.contactId, firstName: 'Walter' } }),
  }),
  m('createActivity', input('CreateActivityInput'), `${IN} { activity { id } }`, {
    variables: (c) => ({ input: { type: 'TASK', target: { type: 'CONTACT', id: c.contactId }, subject: 'Call back', dueAt: inDays(1) } }),
    keep: (d, c) => (c.activityId = d.createActivity.activity.id),
  }),
  m('updateActivity', input('UpdateActivityInput'), `${IN} { activity { id } }`, {
    variables: (c) => ({ input: { id: c.activityId, subject: 'Call back soon' } }),
  }),
  m('completeActivity', input('CompleteActivityInput'), `${IN} { activity { id } }`, {
    variables: (c) => ({ input: { id: c.activityId } }),
  }),
  m('setDuplicateRules', input('SetDuplicateRulesInput'), `${IN} { policy }`, {
    variables: () => ({ input: { rules: [{ type: 'EXACT_EMAIL', weight: 1 }], policy: 'WARN' } }),
  }),
  m('setAccountDuplicateRules', input('SetAccountDuplicateRulesInput'), `${IN} { policy }`, {
    variables: () => ({ input: { rules: [{ type: 'DOMAIN', weight: 1 }], policy: 'WARN' } }),
  }),
  m('importRecords', input('ImportRecordsInput'), `${IN} { created }`, {
    variables: () => ({
      input: {
        kind: 'CONTACT',
        header: ['last', 'email'],
        mapping: [
          { column: 'last', field: 'lastName' },
          { column: 'email', field: 'email' },
        ],
        rows: [
          ['Imported', 'imp1@walk.test'],
          ['Imported', 'imp2@walk.test'],
        ],
      },
    }),
  }),
  m('setLeadScoringRules', input('SetLeadScoringRulesInput'), `${IN} { __typename }`, {
    variables: () => ({ input: { rules: [{ kind: 'FIELD_PRESENT', field: 'COMPANY', points: 10 }] } }),
  }),
  m('setLeadAssignmentRules', input('SetLeadAssignmentRulesInput'), `${IN} { __typename }`, {
    variables: (c) => ({ input: { rules: [{ field: 'SOURCE', value: 'web', ownerId: c.adminId }], roundRobinUserIds: [] } }),
  }),
  m('createLead', input('CreateLeadInput'), `${IN} { lead { id } }`, {
    variables: () => ({ input: { lastName: 'Leader', company: 'Lead Co', email: 'lead@lead.test' } }),
    keep: (d, c) => (c.leadId = d.createLead.lead.id),
  }),
  m('updateLead', input('UpdateLeadInput'), `${IN} { lead { id } }`, {
    variables: (c) => ({ input: { id: c.leadId, status: 'WORKING' } }),
  }),
  m('convertLead', input('ConvertLeadInput'), `${IN} { __typename }`, { variables: (c) => ({ input: { leadId: c.leadId } }) }),
  m('createPipeline', input('CreatePipelineInput'), `${IN} { pipeline { id stages { id } } }`, {
    variables: () => ({
      input: {
        name: 'Walk pipeline',
        stages: [
          { name: 'Open', probability: 10, forecastCategory: 'PIPELINE' },
          { name: 'Won', probability: 100, forecastCategory: 'CLOSED_WON' },
          { name: 'Lost', probability: 0, forecastCategory: 'CLOSED_LOST' },
        ],
      },
    }),
    keep: (d, c) => {
      c.pipelineId = d.createPipeline.pipeline.id;
      c.stageIds = d.createPipeline.pipeline.stages.map((s: { id: string }) => s.id);
    },
  }),
  m('updatePipeline', input('UpdatePipelineInput'), `${IN} { pipeline { id } }`, {
    variables: (c) => ({ input: { id: c.pipelineId, name: 'Walk pipeline 2' } }),
  }),
  m('createOpportunity', input('CreateOpportunityInput'), `${IN} { opportunity { id } }`, {
    variables: (c) => ({
      input: { name: 'Walk deal', accountId: c.accountId, amount: money('1000.00'), closeDate: '2027-01-31', pipelineId: c.pipelineId },
    }),
    keep: (d, c) => (c.opportunityId = d.createOpportunity.opportunity.id),
  }),
  m('updateOpportunity', input('UpdateOpportunityInput'), `${IN} { opportunity { id } }`, {
    variables: (c) => ({ input: { id: c.opportunityId, amount: money('1200.00') } }),
  }),
  m('moveOpportunityStage', input('MoveOpportunityStageInput'), `${IN} { opportunity { id } }`, {
    variables: (c) => ({ input: { id: c.opportunityId, stageId: c.stageIds[0] } }),
  }),
  m('createProduct', input('CreateProductInput'), `${IN} { product { id } }`, {
    variables: () => ({ input: { code: 'WALK-1', name: 'Walking stick', standardPrices: [money('10.00')] } }),
    keep: (d, c) => (c.productId = d.createProduct.product.id),
  }),
  m('updateProduct', input('UpdateProductInput'), `${IN} { product { id } }`, {
    variables: (c) => ({ input: { id: c.productId, description: 'Sturdy' } }),
  }),
  m('createPriceBook', input('CreatePriceBookInput'), `${IN} { priceBook { id } }`, {
    variables: () => ({ input: { name: 'Walk prices' } }),
    keep: (d, c) => (c.priceBookId = d.createPriceBook.priceBook.id),
  }),
  m('setPrices', input('SetPricesInput'), `${IN} { __typename }`, {
    variables: (c) => ({ input: { priceBookId: c.priceBookId, prices: [{ productId: c.productId, unitPrice: money('9.00') }] } }),
  }),
  m('createQuote', input('CreateQuoteInput'), `${IN} { quote { id } }`, {
    variables: (c) => ({ input: { opportunityId: c.opportunityId, lines: [{ productId: c.productId, quantity: '2' }] } }),
    keep: (d, c) => (c.quoteId = d.createQuote.quote.id),
  }),
  m('updateQuote', input('UpdateQuoteInput'), `${IN} { quote { id } }`, {
    variables: (c) => ({ input: { id: c.quoteId, notes: 'Thanks' } }),
  }),
  m('sendQuote', input('SendQuoteInput'), `${IN} { quote { id } }`, { variables: (c) => ({ input: { id: c.quoteId } }) }),
  m('rejectQuote', input('RejectQuoteInput'), `${IN} { quote { id } }`, { variables: (c) => ({ input: { id: c.quoteId } }) }),
  m('createQuote', input('CreateQuoteInput'), `${IN} { quote { id } }`, {
    variables: (c) => ({ input: { opportunityId: c.opportunityId, lines: [{ productId: c.productId, quantity: '1' }] } }),
    keep: (d, c) => (c.quoteId2 = d.createQuote.quote.id),
  }),
  m('sendQuote', input('SendQuoteInput'), `${IN} { quote { id } }`, { variables: (c) => ({ input: { id: c.quoteId2 } }) }),
  m('acceptQuote', input('AcceptQuoteInput'), `${IN} { quote { id } }`, { variables: (c) => ({ input: { id: c.quoteId2 } }) }),
  m('createOpportunity', input('CreateOpportunityInput'), `${IN} { opportunity { id } }`, {
    variables: (c) => ({ input: { name: 'Walk deal 2', accountId: c.accountId, amount: money('500.00'), closeDate: '2027-02-28' } }),
    keep: (d, c) => (c.opportunityId2 = d.createOpportunity.opportunity.id),
  }),
  m('closeOpportunity', input('CloseOpportunityInput'), `${IN} { opportunity { id } }`, {
    variables: (c) => ({ input: { id: c.opportunityId2, won: false, reason: 'budget' } }),
  }),
  m('createContact', input('CreateContactInput'), `${IN} { contact { id } }`, {
    variables: () => ({ input: { lastName: 'Walkabout', firstName: 'Wal', emails: ['wal@walk.test'] } }),
    keep: (d, c) => (c.duplicateId = d.createContact.contact.id),
  }),
  m('mergeContacts', input('MergeRecordsInput'), `${IN} { id }`, {
    variables: (c) => ({ input: { survivorId: c.contactId, mergedIds: [c.duplicateId] } }),
    keep: (d, c) => (c.contactMergeId = d.mergeContacts.id),
  }),
  m('unmergeContacts', '($id: ID!)', '(mergeId: $id) { id }', { variables: (c) => ({ id: c.contactMergeId }) }),
  m('createAccount', input('CreateAccountInput'), `${IN} { account { id } }`, {
    variables: () => ({ input: { name: 'Walk Limited' } }),
    keep: (d, c) => (c.accountId2 = d.createAccount.account.id),
  }),
  m('mergeAccounts', input('MergeRecordsInput'), `${IN} { id }`, {
    variables: (c) => ({ input: { survivorId: c.accountId, mergedIds: [c.accountId2] } }),
    keep: (d, c) => (c.accountMergeId = d.mergeAccounts.id),
  }),
  m('unmergeAccounts', '($id: ID!)', '(mergeId: $id) { id }', { variables: (c) => ({ id: c.accountMergeId }) }),

  // service
  m('createBusinessCalendar', input('CreateBusinessCalendarInput'), `${IN} { calendar { id } }`, {
    variables: () => ({ input: { name: 'Office', timeZone: 'Europe/Berlin', hours: [{ weekday: 1, start: '09:00', end: '17:00' }] } }),
    keep: (d, c) => (c.calendarId = d.createBusinessCalendar.calendar.id),
  }),
  m('createSupportQueue', input('CreateSupportQueueInput'), `${IN} { queue { id } }`, {
    variables: (c) => ({ input: { name: 'Walk queue', agentIds: [c.agentId] } }),
    keep: (d, c) => (c.queueId = d.createSupportQueue.queue.id),
    eventually: true,
  }),
  m('setSlaPolicy', input('SetSlaPolicyInput'), `${IN} { __typename }`, {
    variables: (c) => ({ input: { priority: 'HIGH', firstResponseMinutes: 60, resolutionMinutes: 480, calendarId: c.calendarId } }),
  }),
  m('addQueueMember', input('QueueMemberInput'), `${IN} { __typename }`, {
    variables: (c) => ({ input: { queueId: c.queueId, agentId: c.agent2Id } }),
    eventually: true,
  }),
  m('setQueueMemberAvailability', input('SetQueueMemberAvailabilityInput'), `${IN} { __typename }`, {
    variables: (c) => ({ input: { queueId: c.queueId, agentId: c.agent2Id, available: false } }),
  }),
  m('removeQueueMember', input('QueueMemberInput'), `${IN} { __typename }`, {
    variables: (c) => ({ input: { queueId: c.queueId, agentId: c.agent2Id } }),
  }),
  m('createQueueRule', input('CreateQueueRuleInput'), `${IN} { __typename }`, {
    variables: (c) => ({ input: { queueId: c.queueId, position: 1, category: 'PROBLEM' } }),
  }),
  m('setSupportQueueManager', input('SetSupportQueueManagerInput'), `${IN} { __typename }`, {
    variables: (c) => ({ input: { queueId: c.queueId, managerId: c.adminId } }),
  }),
  // An empty rule set turns escalation off; the reset brings the default rules back.
  m('setEscalationRules', input('SetEscalationRulesInput'), `${IN} { __typename }`, { variables: () => ({ input: { rules: [] } }) }),
  m('resetEscalationRules', '', ' { __typename }'),
  m('openCase', input('OpenCaseInput'), `${IN} { case { id } }`, {
    variables: (c) => ({ input: { contactId: c.contactId, subject: 'Broken stick', category: 'PROBLEM' } }),
    keep: (d, c) => (c.caseId = d.openCase.case.id),
    eventually: true,
  }),
  m('addCaseComment', input('AddCaseCommentInput'), `${IN} { __typename }`, {
    variables: (c) => ({ input: { caseId: c.caseId, body: 'Looking into it', visibility: 'PUBLIC' } }),
  }),
  m('updateCase', input('UpdateCaseInput'), `${IN} { case { id } }`, {
    variables: (c) => ({ input: { caseId: c.caseId, priority: 'HIGH' } }),
  }),
  m('assignCase', input('AssignCaseInput'), `${IN} { case { id } }`, {
    variables: (c) => ({ input: { caseId: c.caseId, queueId: c.queueId } }),
  }),
  m('changeCaseStatus', input('ChangeCaseStatusInput'), `${IN} { case { id } }`, {
    variables: (c) => ({ input: { caseId: c.caseId, status: 'RESOLVED' } }),
  }),
  m('rateCase', input('RateCaseInput'), `${IN} { __typename }`, {
    as: 'customer',
    variables: (c) => ({ input: { caseId: c.caseId, rating: 5 } }),
    eventually: true,
  }),
  m('openCaseFromInboundEmail', input('OpenCaseFromInboundEmailInput'), `${IN} { case { id } }`, {
    as: 'agent',
    variables: (c) => ({ input: { inboundEmailId: c.inboundEmailId, contactId: c.contactId } }),
  }),
  m('markNotificationRead', '($id: ID!)', '(id: $id) { id }', { variables: (c) => ({ id: c.notificationId }) }),
  m('setNotificationPreferences', input('SetNotificationPreferencesInput'), `${IN} { preferences { email } }`, {
    variables: () => ({ input: { email: true, kinds: ['SLA_BREACHED'] } }),
  }),
  m('createKnowledgeArticle', input('CreateKnowledgeArticleInput'), `${IN} { __typename article { id } }`, {
    variables: () => ({ input: { title: 'How to walk', body: 'One foot, then the other.' } }),
    keep: (d, c) => (c.articleId = d.createKnowledgeArticle.article.id),
  }),
  m('updateKnowledgeArticle', input('UpdateKnowledgeArticleInput'), `${IN} { __typename }`, {
    variables: (c) => ({ input: { articleId: c.articleId, body: 'Left foot, then right.' } }),
  }),
  m('publishKnowledgeArticle', '($id: ID!)', '(articleId: $id) { __typename }', { variables: (c) => ({ id: c.articleId }) }),
  m('unpublishKnowledgeArticle', '($id: ID!)', '(articleId: $id) { __typename }', { variables: (c) => ({ id: c.articleId }) }),
  m('setKnowledgeSearchLanguage', '($l: String!)', '(language: $l)', { variables: () => ({ l: 'english' }) }),
  m('setKnowledgeDefaultLocale', '($l: String!)', '(locale: $l)', { variables: () => ({ l: 'en' }) }),
  m('setMyKnowledgeLocale', '($l: String!)', '(locale: $l)', { as: 'customer', variables: () => ({ l: 'de' }) }),

  // analytics
  m('recordOrders', input('RecordOrdersInput'), `${IN} { __typename }`, {
    variables: (c) => ({
      input: {
        orders: [1, 2, 3].map((i) => ({
          source: 'shop',
          externalOrderId: `walk-${i}`,
          contactId: c.contactId,
          occurredAt: new Date(Date.now() - i * 30 * 86_400_000),
          amount: `${i}0.00`,
          currency: 'EUR',
        })),
      },
    }),
  }),
  m('recordCommerceEvents', input('RecordCommerceEventsInput'), `${IN} { recorded }`, {
    variables: (c) => ({
      input: {
        events: [
          {
            eventId: 'walk-cart-1',
            type: 'cart.abandoned',
            source: 'shop',
            occurredAt: new Date(),
            contactId: c.contactId,
            cart: { cartId: 'walk-cart', value: '10.00', currency: 'EUR', lines: [{ sku: 'W-1', quantity: '1', unitPrice: '10.00' }] },
          },
        ],
      },
    }),
  }),
  m('recomputeRfm', '', ' { __typename }'),
  m('startRfmRecompute', '', ' { id }'),
  m('updateClvSettings', input('UpdateClvSettingsInput'), `${IN} { name }`, {
    variables: () => ({
      input: {
        tiers: [
          { name: 'gold', share: 0.2 },
          { name: 'silver', share: 0.8 },
        ],
      },
    }),
  }),
  m('fitClvModel', input('FitClvModelInput'), `${IN} { id }`, { variables: () => ({ input: { calibrationEnd: new Date() } }) }),
  m('activateClvModel', '($id: ID!)', '(id: $id) { id active }', { variables: (c) => ({ id: c.clvModelId }) }),

  // marketing
  m('setMarketingSettings', input('MarketingSettingsInput'), `${IN} { __typename }`, {
    variables: () => ({ input: { tierOrder: ['gold', 'silver'] } }),
  }),
  m('setConsent', input('SetConsentInput'), `${IN} { __typename }`, {
    variables: (c) => ({ input: { contactId: c.contactId, channel: 'EMAIL', status: 'OPTED_IN', source: 'walk' } }),
    eventually: true,
  }),
  m('importConsents', input('ImportConsentsInput'), `${IN} { __typename }`, {
    variables: (c) => ({
      input: { consents: c.audience.map((id: string) => ({ contactId: id, channel: 'EMAIL', status: 'OPTED_IN', source: 'walk' })) },
    }),
    eventually: true,
  }),
  m('registerPushDevice', input('RegisterPushDeviceInput'), IN, {
    variables: (c) => ({ input: { contactId: c.contactId, token: 'walk-device-token', platform: 'ios' } }),
  }),
  m('suppressAddress', input('SuppressAddressInput'), `${IN} { __typename }`, {
    variables: () => ({ input: { channel: 'EMAIL', address: 'gone@walk.test' } }),
  }),
  m('unsuppressAddress', '($a: String!)', '(channel: EMAIL, address: $a)', { variables: () => ({ a: 'gone@walk.test' }) }),
  m('createSegment', input('CreateSegmentInput'), `${IN} { segment { id } }`, {
    variables: () => ({ input: { name: 'Audience', rule: { field: 'lastName', op: 'eq', value: 'Audience' } } }),
    keep: (d, c) => (c.segmentId = d.createSegment.segment.id),
  }),
  m('updateSegment', input('UpdateSegmentInput'), `${IN} { segment { id } }`, {
    variables: (c) => ({ input: { id: c.segmentId, description: 'Everyone called Audience' } }),
  }),
  m('createSegment', input('CreateSegmentInput'), `${IN} { segment { id } }`, {
    variables: () => ({ input: { name: 'Snapshot', kind: 'STATIC', rule: { field: 'lastName', op: 'eq', value: 'Audience' } } }),
    keep: (d, c) => (c.staticSegmentId = d.createSegment.segment.id),
  }),
  m('refreshSegment', '($id: ID!)', '(id: $id) { id }', { variables: (c) => ({ id: c.staticSegmentId }) }),
  m('createCampaign', input('CreateCampaignInput'), `${IN} { campaign { id } }`, {
    variables: (c) => ({
      input: {
        name: 'Walk test',
        segmentId: c.segmentId,
        channel: 'EMAIL',
        controlPercent: 20,
        testPercent: 50,
        variants: [
          { key: 'A', splitPercent: 50, subject: 'A', text: 'a' },
          { key: 'B', splitPercent: 50, subject: 'B', text: 'b' },
        ],
      },
    }),
    keep: (d, c) => (c.campaignId = d.createCampaign.campaign.id),
  }),
  m('launchCampaign', '($id: ID!)', '(id: $id) { campaign { id } }', { variables: (c) => ({ id: c.campaignId }) }),
  m('rollOutWinner', '($id: ID!)', '(campaignId: $id, variantKey: "A", includeControl: true, overrideSignificance: true) { variantKey }', {
    variables: (c) => ({ id: c.campaignId }),
    eventually: true,
  }),
  m('createCampaign', input('CreateCampaignInput'), `${IN} { campaign { id } }`, {
    variables: (c) => ({
      input: {
        name: 'Walk later',
        segmentId: c.segmentId,
        channel: 'EMAIL',
        scheduledAt: inDays(7),
        variants: [{ key: 'A', splitPercent: 100, subject: 'Later', text: 'a' }],
      },
    }),
    keep: (d, c) => (c.campaignId2 = d.createCampaign.campaign.id),
  }),
  m('cancelCampaign', '($id: ID!)', '(id: $id) { id }', { variables: (c) => ({ id: c.campaignId2 }) }),
  m('createJourney', input('CreateJourneyInput'), `${IN} { journey { id } }`, {
    variables: () => ({
      input: {
        name: 'Walk journey',
        trigger: { event: 'sales.contact.created' },
        steps: [{ key: 'hello', type: 'SEND', send: { channel: 'EMAIL', subject: 'Hello', text: 'Hello' } }],
      },
    }),
    keep: (d, c) => (c.journeyId = d.createJourney.journey.id),
  }),
  m('setJourneyStatus', '($id: ID!)', '(id: $id, status: PAUSED) { id }', { variables: (c) => ({ id: c.journeyId }) }),
  m('replayReadModel', '', ' { __typename }'),

  // deletion into the restore window, and restore (records of their own: the walk's others stay live)
  m('createAccount', input('CreateAccountInput'), `${IN} { account { id } }`, {
    variables: () => ({ input: { name: 'Walk Deleted Ltd' } }),
    keep: (d, c) => (c.deletedAccountId = d.createAccount.account.id),
  }),
  m('createContact', input('CreateContactInput'), `${IN} { contact { id } }`, {
    variables: (c) => ({ input: { lastName: 'Deletable', accountId: c.deletedAccountId } }),
    keep: (d, c) => (c.deletedContactId = d.createContact.contact.id),
  }),
  m('createOpportunity', input('CreateOpportunityInput'), `${IN} { opportunity { id } }`, {
    variables: (c) => ({
      input: { name: 'Walk deletable deal', accountId: c.deletedAccountId, amount: money('10.00'), closeDate: '2027-01-31' },
    }),
    keep: (d, c) => (c.deletedOpportunityId = d.createOpportunity.opportunity.id),
  }),
  m('deleteOpportunity', input('DeleteRecordInput'), `${IN} { deletedRecord { id } }`, {
    variables: (c) => ({ input: { id: c.deletedOpportunityId } }),
  }),
  m('restoreOpportunity', input('RestoreRecordInput'), `${IN} { opportunity { id } }`, {
    variables: (c) => ({ input: { id: c.deletedOpportunityId } }),
  }),
  m('deleteContact', input('DeleteRecordInput'), `${IN} { deletedRecord { id } }`, {
    variables: (c) => ({ input: { id: c.deletedContactId } }),
  }),
  m('restoreContact', input('RestoreRecordInput'), `${IN} { contact { id } }`, {
    variables: (c) => ({ input: { id: c.deletedContactId } }),
  }),
  m('deleteAccount', input('DeleteAccountInput'), `${IN} { deletedRecord { id } deletedWith { id } }`, {
    variables: (c) => ({ input: { id: c.deletedAccountId, contacts: 'DETACH', opportunities: 'DELETE' } }),
  }),
  m('restoreAccount', input('RestoreRecordInput'), `${IN} { account { id } }`, {
    variables: (c) => ({ input: { id: c.deletedAccountId } }),
  }),

  m('createLead', input('CreateLeadInput'), `${IN} { lead { id } }`, {
    variables: () => ({ input: { lastName: 'Deletable lead' } }),
    keep: (d, c) => (c.deletedLeadId = d.createLead.lead.id),
  }),
  m('deleteLead', input('DeleteRecordInput'), `${IN} { deletedRecord { id } }`, { variables: (c) => ({ input: { id: c.deletedLeadId } }) }),
  m('restoreLead', input('RestoreRecordInput'), `${IN} { lead { id } }`, { variables: (c) => ({ input: { id: c.deletedLeadId } }) }),
  m('createActivity', input('CreateActivityInput'), `${IN} { activity { id } }`, {
    variables: (c) => ({ input: { type: 'NOTE', target: { type: 'CONTACT', id: c.deletedContactId }, subject: 'Deletable note' } }),
    keep: (d, c) => (c.deletedActivityId = d.createActivity.activity.id),
  }),
  m('deleteActivity', input('DeleteRecordInput'), `${IN} { deletedRecord { id } }`, {
    variables: (c) => ({ input: { id: c.deletedActivityId } }),
  }),
  m('restoreActivity', input('RestoreRecordInput'), `${IN} { activity { id } }`, {
    variables: (c) => ({ input: { id: c.deletedActivityId } }),
  }),
  m('createProduct', input('CreateProductInput'), `${IN} { product { id } }`, {
    variables: () => ({ input: { code: 'WALK-DEL', name: 'Deletable stick' } }),
    keep: (d, c) => (c.deletedProductId = d.createProduct.product.id),
  }),
  m('deleteProduct', input('DeleteRecordInput'), `${IN} { deletedRecord { id } }`, {
    variables: (c) => ({ input: { id: c.deletedProductId } }),
  }),
  m('restoreProduct', input('RestoreRecordInput'), `${IN} { product { id } }`, {
    variables: (c) => ({ input: { id: c.deletedProductId } }),
  }),
  m('openCase', input('OpenCaseInput'), `${IN} { case { id } }`, {
    variables: (c) => ({ input: { contactId: c.deletedContactId, subject: 'Deletable case' } }),
    keep: (d, c) => (c.deletedCaseId = d.openCase.case.id),
    eventually: true,
  }),
  m('deleteCase', input('DeleteCaseInput'), `${IN} { deletedCase { id } }`, { variables: (c) => ({ input: { id: c.deletedCaseId } }) }),
  m('restoreCase', input('RestoreCaseInput'), `${IN} { case { id } }`, { variables: (c) => ({ input: { id: c.deletedCaseId } }) }),

  // data-subject requests (service coordinates; last, as an erasure anonymises the contact)
  m('setLegalHold', input('SetLegalHoldInput'), `${IN} { legalHold { contactId } }`, {
    variables: (c) => ({ input: { contactId: c.audience[9], hold: true, reason: 'walk dispute' } }),
  }),
  m('setLegalHold', input('SetLegalHoldInput'), `${IN} { legalHold { contactId } }`, {
    variables: (c) => ({ input: { contactId: c.audience[9], hold: false } }),
  }),
  m('requestPersonalDataExport', input('RequestPersonalDataExportInput'), `${IN} { export { id } }`, {
    variables: (c) => ({ input: { contactId: c.audience[0] } }),
    eventually: true,
  }),
  m('requestErasure', input('RequestErasureInput'), `${IN} { erasure { id } }`, {
    variables: (c) => ({ input: { contactId: c.audience[1] } }),
    eventually: true,
  }),
];

jest.setTimeout(600_000);

describe('audit: every mutation leaves exactly one entry', () => {
  let rig: MarketingRig;
  const ctx: Ctx = {};
  const tokens: Partial<Record<Caller, string>> = {};
  /** request id → mutation, for the calls that succeeded; and the ids of refused attempts. */
  const succeeded = new Map<string, string>();
  const refused: string[] = [];

  beforeAll(async () => {
    rig = await startMarketingRig('auditwalk');
    const { platform, tenant } = rig;
    ctx.slug = tenant.slug;
    tokens.admin = await tenant.tokenFor('admin');
    ctx.adminId = JSON.parse(Buffer.from(tokens.admin.split('.')[1], 'base64url').toString()).sub;
    const agent = await tenant.createUser('walk-agent', ['support_agent']);
    const agent2 = await tenant.createUser('walk-agent-2', ['support_agent']);
    ctx.agentId = agent.id;
    ctx.agent2Id = agent2.id;
    tokens.agent = agent.token;
    // The campaign's audience, created before the walk so marketing has them by the time it needs them.
    ctx.audience = [];
    for (let i = 0; i < 10; i++) {
      const res = await graphql(
        platform.graphqlUrl,
        `
          mutation ($i: CreateContactInput!) {
            createContact(input: $i) {
              contact {
                id
              }
            }
          }
        `,
        { i: { lastName: 'Audience', firstName: `A${i}`, emails: [`a${i}@walk.test`] } },
        bearer(tokens.admin),
      );
      ctx.audience.push(res.data!.createContact.contact.id);
    }
  });

  afterAll(() => rig?.stop());

  it('has a row for every mutation of the composed schema', () => {
    const supergraph = buildSchema(readFileSync(join(__dirname, '../../apps/gateway/src/supergraph.graphql'), 'utf8'), {
      assumeValidSDL: true,
    });
    const inSchema = Object.keys(supergraph.getMutationType()!.getFields()).sort();
    const inTable = [...new Set(STEPS.map((s) => s.mutation))].sort();
    expect(inSchema.filter((name) => !inTable.includes(name))).toEqual([]);
    expect(inTable.filter((name) => !inSchema.includes(name))).toEqual([]);
  });

  it('leaves one entry per successful call and none for a refused one', async () => {
    const { platform, tenant } = rig;
    const failures: string[] = [];
    for (const step of STEPS) {
      if (step.as === 'customer' && !tokens.customer) tokens.customer = await customerToken(platform, tenant, ctx.contactId);
      if (step.mutation === 'markNotificationRead') ctx.notificationId = await notificationFor(rig, ctx.adminId, ctx.caseId);
      if (step.mutation === 'activateClvModel') ctx.clvModelId = await fittedClvModel(rig);
      if (step.mutation === 'openCaseFromInboundEmail') ctx.inboundEmailId = await heldInboundEmail(rig);
      if (step.mutation === 'redeliverWebhook')
        ctx.webhookDeliveryId = await webhookDeliveryFor(rig, tokens.admin as string, ctx.webhookEndpointId);
      if (step.mutation === 'acceptInvitation') ctx.linkToken = await linkTokenSentTo(rig, `invited@${ctx.slug}.test`, 'accept-invitation');
      if (step.mutation === 'resetPassword') ctx.linkToken = await linkTokenSentTo(rig, `invited@${ctx.slug}.test`, 'reset-password');
      const deadline = Date.now() + (step.eventually ? 45_000 : 0);
      for (;;) {
        const requestId = newRequestId(step.mutation);
        const token = step.as === 'anonymous' ? null : tokens[step.as ?? 'admin'];
        const headers = { ...(token ? bearer(token) : {}), 'x-request-id': requestId };
        const res = await graphql(platform.graphqlUrl, step.query, step.variables?.(ctx) ?? {}, headers);
        if (!res.errors) {
          succeeded.set(requestId, step.mutation);
          step.keep?.(res.data, ctx);
          break;
        }
        refused.push(requestId);
        if (Date.now() > deadline) {
          failures.push(`${step.mutation}: ${res.errors.map((e) => `${String(e.extensions?.code)} ${e.message}`).join('; ')}`);
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    expect(failures).toEqual([]);
    const counts = await auditEntriesByRequest(platform, tenant.id, [...succeeded.keys()], { timeoutMs: 60_000 });
    const wrong = [...succeeded].filter(([id]) => counts.get(id) !== 1).map(([id, name]) => `${name}: ${counts.get(id) ?? 0} entries`);
    expect(wrong).toEqual([]);
    // A refused call changed nothing; only a refused sign-in (none here) is recorded on its own.
    const afterRefusals = await auditEntriesByRequest(platform, tenant.id, refused, { timeoutMs: 0, settleMs: 0 });
    expect([...afterRefusals.keys()]).toEqual([]);
  });

  it('records an import batch once, with its counts', async () => {
    const { platform, tenant } = rig;
    const rows: { object_type: string; details: Record<string, unknown> }[] = await platform.identity.app
      .get(DataSource)
      .query(`SELECT object_type, details FROM audit_log WHERE tenant_id = $1 AND action = 'importRecords'`, [tenant.id]);
    expect(rows).toEqual([
      {
        object_type: 'Import',
        details: { kind: 'CONTACT', rows: 2, created: expect.any(Number), updated: 0, skipped: expect.any(Number), invalid: 0 },
      },
    ]);
    expect(Number(rows[0].details.created) + Number(rows[0].details.skipped)).toBe(2);
  });

  it('publishes a fact for the writes that used to change silently (catalogue, pipelines, rules, keys)', async () => {
    const { probe, tenant } = rig;
    const prefix = process.env.NATS_SUBJECT_PREFIX;
    const suffix = process.env.NATS_STREAM_SUFFIX;
    const expected = [
      'sales.product.created',
      'sales.product.updated',
      'sales.price_book.created',
      'sales.price_book.prices_set',
      'sales.pipeline.created',
      'sales.pipeline.updated',
      'sales.settings.changed',
    ];
    const ofTenant = (events: { tenantId: string; type: string }[]) => events.filter((e) => e.tenantId === tenant.id).map((e) => e.type);
    const sales = await probe.waitFor(
      `SALES_${suffix}`,
      `${prefix}.sales.>`,
      (evs) => expected.every((t) => ofTenant(evs).includes(t)),
      30_000,
    );
    const settings = sales
      .filter((e) => e.tenantId === tenant.id && e.type === 'sales.settings.changed')
      .map((e) => (e.data as { setting: string }).setting);
    expect(settings.sort()).toEqual(['accountDuplicateRules', 'duplicateRules', 'leadAssignmentRules', 'leadScoringRules']);
    const identity = await probe.waitFor(
      `IDENTITY_${suffix}`,
      `${prefix}.identity.api_key.created`,
      (evs) => ofTenant(evs).length > 0,
      30_000,
    );
    expect(identity.find((e) => e.tenantId === tenant.id)!.data).toEqual({
      apiKey: { id: ctx.apiKeyId, name: 'walk', scopes: ['contacts:read'] },
    });
  });
});

/** Service tells a queue's manager of an escalation; the walk cannot wait for an SLA to run out, so it writes one. */
async function notificationFor(rig: MarketingRig, recipientId: string, caseId: string): Promise<string> {
  const id = uuidv7();
  const ds = rig.platform.services.service.app.get(DataSource);
  await ds.query(
    `INSERT INTO notifications (id, tenant_id, recipient_id, kind, case_id, created_at) VALUES ($1, $2, $3, 'CASE_ESCALATED', $4, now())`,
    [id, rig.tenant.id, recipientId, caseId],
  );
  return id;
}

/** An email held for triage (the walk runs no inbound mail server, so it writes one as the SMTP endpoint would). */
async function heldInboundEmail(rig: MarketingRig): Promise<string> {
  const id = uuidv7();
  await rig.platform.services.service.app.get(DataSource).query(
    `INSERT INTO inbound_emails (id, tenant_id, via, message_id, from_address, to_address, subject, body, status, received_at)
     VALUES ($1, $2, 'SMTP', $3, 'stranger@walk.test', 'walk@support.test', 'Who am I?', 'A stranger writes.', 'UNKNOWN_SENDER', now())`,
    [id, rig.tenant.id, `${id}@walk.test`],
  );
  return id;
}

/** A FITTED CLV model to activate: the walk's three orders are too few for a fit that passes validation, so it writes one. */
async function fittedClvModel(rig: MarketingRig): Promise<string> {
  const id = uuidv7();
  const fit = (params: Record<string, number>) =>
    JSON.stringify({ params, logLikelihood: -1, standardErrors: params, iterations: 1, converged: true });
  await rig.platform.services.analytics.app.get(DataSource).query(
    `INSERT INTO clv_models (id, tenant_id, request_key, status, kind, time_unit, calibration_end, currency, purchase_model, gamma_gamma, finished_at)
     VALUES ($1, $2, $5, 'FITTED', 'BG_NBD', 'WEEKS', now(), 'EUR', $3, $4, now())`,
    [id, rig.tenant.id, fit({ r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 }), fit({ p: 6.2, q: 3.7, gamma: 15.4 }), `walk-${id}`],
  );
  return id;
}

/** A delivery to redeliver: a contact created after the walk's endpoint, fanned out by identity. */
async function webhookDeliveryFor(rig: MarketingRig, adminToken: string, endpointId: string): Promise<string> {
  const created = await graphql(
    rig.platform.graphqlUrl,
    `
      mutation {
        createContact(input: { lastName: "Hooked" }) {
          contact {
            id
          }
        }
      }
    `,
    {},
    bearer(adminToken),
  );
  if (created.errors) throw new Error(JSON.stringify(created.errors));
  const ds = rig.platform.identity.app.get(DataSource);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [row] = await ds.query(`SELECT id FROM webhook_deliveries WHERE endpoint_id = $1`, [endpointId]);
    if (row) return row.id as string;
    if (Date.now() > deadline) throw new Error('no webhook delivery within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The token of the newest account email to `address` linking to `page` (the link carries it after #token=). */
async function linkTokenSentTo(rig: MarketingRig, address: string, page: string): Promise<string> {
  const pattern = new RegExp(`/${page}#token=([A-Za-z0-9_-]+)`);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const mail = [...rig.sink.messages].reverse().find((m) => m.envelope.to.includes(address) && pattern.test(String(m.parsed.text)));
    if (mail) return pattern.exec(String(mail.parsed.text))![1];
    if (Date.now() > deadline) throw new Error(`no ${page} email to ${address} within 15 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

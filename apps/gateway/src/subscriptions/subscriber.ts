import type { Principal } from '@rapport/auth';
import type { EventEnvelope } from '@rapport/contracts';
import type { FieldNode, FragmentDefinitionNode, OperationDefinitionNode } from 'graphql';
import { answerOf, followUpQuery, type FollowUp, type QueryAnswer, type SubscriptionAnswer } from './follow-up-query';
import type { EventListener } from './subscription-hub';
import type { ResultQueue } from './result-queue';
import type { ResolvedFilter, SubscriptionArgs, SubscriptionField } from './subscription-fields';

/** What one subscribe message asked for, as parsed and validated. */
export interface SubscriptionPlan {
  field: SubscriptionField;
  fieldNode: FieldNode;
  /** The alias, or the field's name: where the payload goes in each result. */
  responseKey: string;
  operation: OperationDefinitionNode;
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  variables: Readonly<Record<string, unknown>>;
  args: SubscriptionArgs;
  /** The field's type is nullable: a null answer (the object can no longer be read) is delivered, not dropped. */
  deliversNull: boolean;
}

/** What a subscriber receives per event: the payload as a query answered it, errors already formatted. */
export interface SubscriptionResult {
  data: Record<string, unknown> | null;
  errors?: SubscriptionAnswer['errors'];
}

/** Runs a follow-up query as the subscriber; `eventId` lets identical queries for one event share one run. */
export type RunAsSubscriber = (followUp: FollowUp, eventId: string) => Promise<QueryAnswer>;

/** Thrown by RunAsSubscriber when the subscriber's credentials no longer hold (the connection is being closed). */
export class CredentialsGone extends Error {}

/**
 * One subscription: on each event routed to it, decides whether the event
 * concerns it and starts the query that answers it, queued in event order.
 */
export class Subscriber implements EventListener {
  constructor(
    private readonly plan: SubscriptionPlan,
    readonly principal: Principal,
    private readonly queue: ResultQueue<SubscriptionResult>,
    private readonly run: RunAsSubscriber,
    private readonly onFailure: (err: unknown, event: EventEnvelope) => void,
  ) {}

  onEvent(event: EventEnvelope): void {
    const { field, args } = this.plan;
    const verdict = field.concerns(event, args);
    if (verdict === false) return;
    const filter = verdict === true ? null : verdict;
    const p = this.plan;
    const followUp = followUpQuery(p.operation, p.fieldNode, p.fragments, p.variables, field.answer(event, args), filter);
    // false: the queue ended or the connection overflowed (and is being closed); nothing left to deliver to.
    this.queue.push(this.resolve(event, followUp, filter));
  }

  private async resolve(event: EventEnvelope, followUp: FollowUp, filter: ResolvedFilter | null): Promise<SubscriptionResult | null> {
    const key = this.plan.responseKey;
    let answer: SubscriptionAnswer;
    try {
      answer = answerOf(followUp, key, await this.run(followUp, event.id));
    } catch (err) {
      if (err instanceof CredentialsGone) return null;
      this.onFailure(err, event);
      // The subscriber learns that an event could not be answered rather than missing it silently.
      return {
        data: null,
        errors: [{ message: 'this change could not be loaded', path: [key], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      };
    }
    if (filter && !passes(filter, answer)) return null;
    // A case or notification the subscriber may not read (or that is gone) is not theirs to hear about.
    if (answer.value === null && !this.plan.deliversNull) return null;
    return { data: { [key]: answer.value }, ...(answer.errors.length > 0 ? { errors: answer.errors } : {}) };
  }
}

function passes(filter: ResolvedFilter, answer: SubscriptionAnswer): boolean {
  if (filter.queueId && answer.filterQueueId !== filter.queueId) return false;
  if (filter.contactId && answer.filterContactId !== filter.contactId) return false;
  return true;
}

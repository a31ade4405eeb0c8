import { badUserInput } from '@rapport/auth';
import { DELIVERABLE_EVENT_TYPES, EVENT_ACCESS, type EventEnvelope } from '@rapport/contracts';
import { validate } from '@rapport/service-kit';

/** Narrows an endpoint's events; every given part must match. */
export interface WebhookFilter {
  /** Only events about these objects (the envelope's subjectId). */
  subjectIds?: string[];
  /** Only events of this pipeline (opportunities). */
  pipelineId?: string;
  /** Only events of this support queue (cases). */
  queueId?: string;
}

export function validEventTypes(value: unknown): string[] {
  const types = validate.listOf('eventTypes', value as string[] | null, DELIVERABLE_EVENT_TYPES.length);
  if (types.length === 0) throw badUserInput('eventTypes', 'at least one event type is required');
  for (const t of types)
    if (!EVENT_ACCESS[t])
      throw badUserInput('eventTypes', `${JSON.stringify(t)} is not a deliverable event type (${DELIVERABLE_EVENT_TYPES.join(', ')})`);
  return [...new Set(types)].sort();
}

export function validFilter(value: unknown): WebhookFilter | null {
  if (value === null || value === undefined) return null;
  const input = value as Record<string, unknown>;
  const filter: WebhookFilter = {};
  if (input.subjectIds != null) {
    const ids = validate.listOf('filter.subjectIds', input.subjectIds as string[], 100);
    filter.subjectIds = ids.map((id) => validate.requireUuid('filter.subjectIds', id));
  }
  const pipelineId = validate.optionalUuid('filter.pipelineId', input.pipelineId as string | null);
  if (pipelineId) filter.pipelineId = pipelineId;
  const queueId = validate.optionalUuid('filter.queueId', input.queueId as string | null);
  if (queueId) filter.queueId = queueId;
  return Object.keys(filter).length === 0 ? null : filter;
}

/**
 * Whether the event passes the filter. A pipeline or queue filter looks for
 * that key in the event's data and in the objects directly under it
 * (`data.opportunity.pipelineId`, `data.case.queueId`, `data.queueId`): an
 * event that carries no such key is not of that pipeline or queue.
 */
export function matchesFilter(filter: WebhookFilter | null, event: Pick<EventEnvelope, 'subjectId' | 'data'>): boolean {
  if (!filter) return true;
  if (filter.subjectIds && !filter.subjectIds.includes(event.subjectId)) return false;
  if (filter.pipelineId && !carries(event.data, 'pipelineId', filter.pipelineId)) return false;
  if (filter.queueId && !carries(event.data, 'queueId', filter.queueId)) return false;
  return true;
}

function carries(data: unknown, key: string, value: string): boolean {
  if (!data || typeof data !== 'object') return false;
  const top = data as Record<string, unknown>;
  if (top[key] === value) return true;
  return Object.values(top).some((v) => v !== null && typeof v === 'object' && (v as Record<string, unknown>)[key] === value);
}

import { DELIVERABLE_EVENT_TYPES } from '@rapport/contracts';
import { DELIVERABLE_STREAMS } from './webhook-fan-out';
import { matchesFilter, validEventTypes, validFilter } from './webhook-filter';

const field = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    return (err as { extensions?: { field?: string } }).extensions?.field;
  }
  return undefined;
};

const P = '0190a0a0-0000-7000-8000-0000000000aa';
const Q = '0190a0a0-0000-7000-8000-0000000000bb';

describe('webhook filters', () => {
  it('accepts deliverable event types only, naming the field otherwise', () => {
    expect(validEventTypes(['sales.contact.updated', 'sales.contact.created', 'sales.contact.created'])).toEqual([
      'sales.contact.created',
      'sales.contact.updated',
    ]);
    expect(field(() => validEventTypes([]))).toBe('eventTypes');
    expect(field(() => validEventTypes(['identity.user.created']))).toBe('eventTypes');
  });

  it('delivers the deletion lifecycle of the records whose other events it delivers, and not of the others', () => {
    for (const record of ['sales.contact', 'sales.account', 'sales.opportunity', 'service.case'])
      for (const change of ['deleted', 'restored', 'purged']) expect(DELIVERABLE_EVENT_TYPES).toContain(`${record}.${change}`);
    expect(field(() => validEventTypes(['sales.lead.deleted']))).toBe('eventTypes');
  });

  it('validates ids in the filter', () => {
    expect(validFilter({ pipelineId: P })).toEqual({ pipelineId: P });
    expect(validFilter({})).toBeNull();
    expect(field(() => validFilter({ queueId: 'nope' }))).toBe('filter.queueId');
  });

  it('matches pipelines and queues where events carry them, and nothing that does not', () => {
    const opp = { subjectId: 'o1', data: { opportunity: { id: 'o1', pipelineId: P } } };
    const caseEvent = { subjectId: 'k1', data: { caseId: 'k1', queueId: Q } };
    expect(matchesFilter({ pipelineId: P }, opp)).toBe(true);
    expect(matchesFilter({ pipelineId: Q }, opp)).toBe(false);
    expect(matchesFilter({ queueId: Q }, caseEvent)).toBe(true);
    expect(matchesFilter({ queueId: Q }, opp)).toBe(false);
    expect(matchesFilter({ subjectIds: ['o1'] }, opp)).toBe(true);
    expect(matchesFilter({ subjectIds: ['o2'] }, opp)).toBe(false);
    expect(matchesFilter(null, opp)).toBe(true);
  });

  it('reads every deliverable event type from a stream the fan-out consumes', () => {
    const services = DELIVERABLE_STREAMS.map((s) => s.service);
    expect(DELIVERABLE_EVENT_TYPES.filter((t) => !services.includes(t.split('.')[0]))).toEqual([]);
  });
});

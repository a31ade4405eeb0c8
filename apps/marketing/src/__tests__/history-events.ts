import { SYSTEM_ACTOR, type EventEnvelope } from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';

/** An instant `minute` minutes into the given hour of a fixed day, as events carry it: a history's events in stream order. */
export const minuteOf = (hour: number) => (minute: number) => new Date(Date.UTC(2026, 11, 7, hour, minute)).toISOString();

/** Events of one tenant as their producers publish them, each dated by `at(minute)`. */
export function historyEvents(tenantId: string, at: (minute: number) => string) {
  return (type: string, minute: number, subjectId: string, data: unknown): EventEnvelope =>
    ({ ...newEvent({ type, tenantId, actor: SYSTEM_ACTOR, subjectId, data }), occurredAt: at(minute) }) as EventEnvelope;
}

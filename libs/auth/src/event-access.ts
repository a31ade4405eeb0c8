import { EVENT_ACCESS, type EventEnvelope } from '@rapport/contracts';
import { allowsFieldAccess, type FieldAccessOverrides } from './field-access';
import type { Principal } from './principal';

/**
 * The event as `reader` may see it outside the platform: null when the
 * reader may not read the event's field group (or the type is not
 * deliverable at all), else the envelope with every part of `data` that
 * belongs to a group the reader may not read removed (absent, not nulled:
 * a receiver cannot tell a hidden field from one the platform never sent).
 * The same rule serves webhooks and, later, subscriptions.
 */
export function eventForReader(reader: Principal, event: EventEnvelope, overrides: FieldAccessOverrides): EventEnvelope | null {
  const rule = EVENT_ACCESS[event.type];
  if (!rule) return null;
  if (!allowsFieldAccess(reader, rule.group, 'READ', overrides, rule.scopeResource)) return null;
  const hidden = Object.entries(rule.fields ?? {})
    .filter(([, group]) => !allowsFieldAccess(reader, group, 'READ', overrides))
    .map(([path]) => path.split('.'));
  if (hidden.length === 0) return event;
  const data = structuredClone(event.data) as Record<string, unknown>;
  for (const path of hidden) removePath(data, path);
  return { ...event, data };
}

function removePath(target: Record<string, unknown>, path: string[]): void {
  let node: unknown = target;
  for (const key of path.slice(0, -1)) {
    if (!node || typeof node !== 'object') return;
    node = (node as Record<string, unknown>)[key];
  }
  if (node && typeof node === 'object') delete (node as Record<string, unknown>)[path[path.length - 1]];
}

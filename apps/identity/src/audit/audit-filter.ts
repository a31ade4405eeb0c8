import { badUserInput } from '@rapport/auth';
import { validate } from '@rapport/service-kit';

export interface AuditLogFilter {
  objectType?: string;
  objectId?: string;
  actorId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

/** The filter as the API takes it: each field optional, text bounded, `from` before `to`. */
export function validAuditFilter(input: Record<string, unknown> | null | undefined): AuditLogFilter {
  const f = input ?? {};
  const out: AuditLogFilter = {};
  for (const key of ['objectType', 'objectId', 'actorId', 'action'] as const) {
    const value = validate.text(`filter.${key}`, f[key] as string | null | undefined, { max: 200 });
    if (value) out[key] = value;
  }
  for (const key of ['from', 'to'] as const) {
    const value = f[key];
    if (value == null) continue;
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw badUserInput(`filter.${key}`, 'must be an ISO-8601 instant');
    out[key] = value;
  }
  if (out.from && out.to && out.from > out.to) throw badUserInput('filter.from', 'must not be after filter.to');
  return out;
}

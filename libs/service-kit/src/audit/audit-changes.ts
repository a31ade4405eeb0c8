import { CONTACT_FIELD_GROUPS, MASKED_VALUE, type AuditFieldChangeV1, type FieldGroup } from '@rapport/contracts';

/** Field groups whose values the audit log never holds: who reads the log need not see them. */
export const MASKED_FIELD_GROUPS: readonly FieldGroup[] = ['CONTACT_DETAILS'];

/** Names that hold secrets whatever the object (a password, a key's hash, a token). */
const SECRET_NAME = /password|secret|token|hash|apikey/i;

/**
 * A person's identifiers on any object (contacts, leads, customers): the
 * audit log is append-only and chained, so it is the one store an erasure
 * cannot reach (ADR 034) — such a value must never enter it.
 */
const PERSONAL_IDENTIFIER = /^(firstName|lastName|fullName|email|emails|phone|phones|address|addresses|externalIds)$/;

export function isMaskedField(name: string, groups: Readonly<Record<string, FieldGroup>> = CONTACT_FIELD_GROUPS): boolean {
  if (SECRET_NAME.test(name) || PERSONAL_IDENTIFIER.test(name)) return true;
  const group = groups[name];
  return group !== undefined && MASKED_FIELD_GROUPS.includes(group);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * The fields that differ between two states of an object, each with its
 * before and after, sensitive ones masked (a change to them still shows, its
 * values do not). `before` null is a creation; `after` null a deletion.
 * Dates compare and record as ISO strings (JSON).
 */
export function auditChanges(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  options: { groups?: Readonly<Record<string, FieldGroup>>; ignore?: readonly string[] } = {},
): Record<string, AuditFieldChangeV1> | null {
  const ignore = new Set(['updatedAt', 'createdAt', 'version', 'tenantId', ...(options.ignore ?? [])]);
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const out: Record<string, AuditFieldChangeV1> = {};
  for (const key of keys) {
    if (ignore.has(key)) continue;
    const b = before?.[key] ?? null;
    const a = after?.[key] ?? null;
    if (same(b, a)) continue;
    const masked = isMaskedField(key, options.groups);
    out[key] = {
      before: masked && b !== null ? MASKED_VALUE : (JSON.parse(JSON.stringify(b)) as unknown),
      after: masked && a !== null ? MASKED_VALUE : (JSON.parse(JSON.stringify(a)) as unknown),
    };
  }
  return Object.keys(out).length ? out : null;
}

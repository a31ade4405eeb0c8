import type { ResyncRequestV1 } from '@rapport/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A resync request as the owner accepts it: a tenant id, and record types it
 * knows (none named: all of them). Anything else is refused with a reason the
 * requester shows.
 */
export function parseResyncRequest(bytes: Uint8Array, known: readonly string[]): Required<ResyncRequestV1> {
  let value: Partial<ResyncRequestV1>;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<ResyncRequestV1>;
  } catch {
    throw new Error('the request is not JSON');
  }
  if (!value || typeof value.tenantId !== 'string' || !UUID.test(value.tenantId)) throw new Error('tenantId must be a UUID');
  const asked = value.recordTypes ?? [];
  if (!Array.isArray(asked) || asked.some((t) => typeof t !== 'string')) throw new Error('recordTypes must be a list of names');
  const unknown = asked.filter((t) => !known.includes(t));
  if (unknown.length > 0) throw new Error(`unknown record types ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return { tenantId: value.tenantId.toLowerCase(), recordTypes: asked.length > 0 ? [...new Set(asked)] : [...known] };
}

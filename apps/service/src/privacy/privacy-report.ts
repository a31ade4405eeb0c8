import { createHmac, timingSafeEqual } from 'node:crypto';
import { PRIVACY_PARTICIPANTS } from '@rapport/contracts';

export type PrivacyStatus = 'PENDING' | 'COMPLETED' | 'INCOMPLETE';

/** The services that have not answered, by name, in the participants' order. */
export function missingServices(answered: readonly string[]): string[] {
  return PRIVACY_PARTICIPANTS.filter((s) => !answered.includes(s));
}

/**
 * Complete once every participant answered (a late answer still completes an
 * INCOMPLETE request: its report then stops naming the service); past the
 * deadline with one missing, INCOMPLETE — never silently complete.
 */
export function statusAfter(answered: readonly string[], deadlinePassed: boolean): PrivacyStatus {
  if (missingServices(answered).length === 0) return 'COMPLETED';
  return deadlinePassed ? 'INCOMPLETE' : 'PENDING';
}

export interface ArchivePart {
  service: string;
  counts: Record<string, number>;
  tables: Record<string, unknown[]>;
}

/**
 * The export archive: a manifest (what was asked, which services answered
 * with how many rows per table, which did not) and one JSON document per
 * service under `services`.
 */
export function buildArchive(
  request: { id: string; contactId: string; recordIds: string[]; requestedAt: Date },
  parts: readonly ArchivePart[],
  builtAt: Date,
): { manifest: object; services: Record<string, { tables: Record<string, unknown[]> }> } {
  const sorted = [...parts].sort((a, b) => a.service.localeCompare(b.service));
  return {
    manifest: {
      format: 'rapport.personal-data-export/1',
      requestId: request.id,
      contactId: request.contactId,
      recordIds: request.recordIds,
      requestedAt: request.requestedAt.toISOString(),
      builtAt: builtAt.toISOString(),
      services: sorted.map((p) => ({ service: p.service, document: `services.${p.service}`, tables: p.counts })),
      missingServices: missingServices(sorted.map((p) => p.service)),
    },
    services: Object.fromEntries(sorted.map((p) => [p.service, { tables: p.tables }])),
  };
}

/** The download link's signature: the export, its expiry, under the export's own secret. */
export function downloadSignature(secret: string, id: string, expiresAt: Date): string {
  return createHmac('sha256', secret)
    .update(`${id}.${Math.floor(expiresAt.getTime() / 1000)}`)
    .digest('base64url');
}

/** Path (on the gateway) of an export's archive, signed and expiring. */
export function downloadPath(id: string, secret: string, expiresAt: Date): string {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  return `/privacy/exports/${id}.json?expires=${expires}&signature=${downloadSignature(secret, id, expiresAt)}`;
}

/** Whether a link's expiry and signature are the export's own and still valid at `now`. */
export function validDownload(
  secret: string,
  id: string,
  expiresAt: Date,
  given: { expires: string; signature: string },
  now: Date,
): boolean {
  if (String(Math.floor(expiresAt.getTime() / 1000)) !== given.expires) return false;
  if (expiresAt.getTime() <= now.getTime()) return false;
  const expected = Buffer.from(downloadSignature(secret, id, expiresAt));
  const actual = Buffer.from(given.signature);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

import { conflict } from '@rapport/auth';
import { affected } from '@rapport/service-kit';
import type { GraphQLError } from 'graphql';
import type { EntityManager } from 'typeorm';
import type { MergeKind } from './merge-links';

/** Why a merge's images of its records are gone: a record was purged after its restore window, or erased (ADR 054). */
export type ImagesRemovedReason = 'PURGED' | 'ERASED';

/**
 * Removes the merge journal's images of records (whole rows, personal
 * values and all) from every merge that names one of `ids`, as survivor or
 * as merged record. What stays: the merge's ids and times, and the links it
 * re-pointed (tables and ids; the external-id keys they moved are values, and go), so the history still says who
 * was merged into whom. Such a merge can no longer be undone; `unmerge`
 * says why (mergeImagesRemoved).
 */
export async function forgetMergeImages(
  em: EntityManager,
  kind: MergeKind,
  ids: readonly string[],
  reason: ImagesRemovedReason,
): Promise<number> {
  if (ids.length === 0) return 0;
  return affected(
    await em.query(
      `UPDATE contact_merges
          SET before_images = jsonb_build_object(
                'records', '[]'::jsonb,
                -- A link's key is the external id it moved (a personal value): the table and ids stay, the key goes.
                'links', coalesce((SELECT jsonb_agg(link - 'key')
                                     FROM jsonb_array_elements(CASE WHEN jsonb_typeof(before_images) = 'object'
                                                                    THEN before_images->'links' END) AS link), '[]'::jsonb),
                'removed', jsonb_build_object('reason', $3::text, 'at', now())),
              after_images = jsonb_build_object('records', '[]'::jsonb)
        WHERE kind = $1 AND (survivor_id = ANY($2::uuid[]) OR merged_ids && $2::uuid[])
          AND NOT (jsonb_typeof(before_images) = 'object' AND before_images ? 'removed')`,
      [kind, ids, reason],
    ),
  );
}

/** The refusal of an unmerge whose images were removed, or null when they are there. */
export function mergeImagesRemoved(mergeId: string, beforeImages: unknown): GraphQLError | null {
  // Erasures before ADR 054 left '[]' in place of the images.
  const removed = Array.isArray(beforeImages)
    ? { reason: 'ERASED', at: null }
    : ((beforeImages as { removed?: { reason: ImagesRemovedReason; at: string } }).removed ?? null);
  if (!removed) return null;
  const how = removed.reason === 'PURGED' ? 'purged after its restore window' : 'erased on a data-subject request';
  return conflict(
    `cannot undo merge ${mergeId}: one of its records was ${how}${removed.at ? ` (${removed.at})` : ''}, and the images an undo restores went with it`,
    'mergeId',
  );
}

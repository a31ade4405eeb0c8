import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@rapport/contracts';
import { applyCaseEvent, caseFactOf, contactsTouchedBy, type CaseMove } from '@rapport/customer-master';
import type { EntityManager } from 'typeorm';
import { ensureContacts, refreshAggregates, survivorsOf } from './survivors';

export interface CaseChange {
  /** The survivor the case counts for now; null when the event changed nothing here or the case names no contact. */
  contactId: string | null;
  /** Survivors whose open complaints went from none to some (their journeys pause) … */
  complaintOpened: string[];
  /** … or from some to none (they resume). */
  complaintsCleared: string[];
}

/**
 * Open cases and complaints per contact, from service's case events (kept
 * by @rapport/customer-master's contact_cases), so a customer who has just
 * complained is not approached for marketing (a deleted case counts for
 * nobody until it is restored). Each change refreshes the
 * counts of the survivors the case left and joined.
 */
@Injectable()
export class CaseProjection {
  async apply(em: EntityManager, tenantId: string, event: EventEnvelope): Promise<CaseChange> {
    return (await this.applyMany(em, tenantId, [event]))[0];
  }

  /**
   * Applies a run of case events (stream order): the contacts they name
   * exist first (one statement), each event moves its case row, then the
   * survivors every move left or joined are recounted once (one statement).
   * Recounts read only the rows, so the counts are those one by one would
   * leave. A survivor whose complaints went from none to some over the run
   * (or back) is reported with the last event of the run that touched it; a
   * complaint opened and cleared within one run is no change.
   */
  async applyMany(em: EntityManager, tenantId: string, events: readonly EventEnvelope[]): Promise<CaseChange[]> {
    const named = events.map((e) => caseFactOf(e)?.contact?.id).filter((id): id is string => !!id);
    await ensureContacts(em, tenantId, named);
    const moves: (CaseMove | null)[] = [];
    for (const event of events) moves.push(await applyCaseEvent(em, tenantId, event));
    const touched = moves.map((m) => (m ? contactsTouchedBy(m) : []));
    const survivors = touched.some((ids) => ids.length > 0) ? await survivorsOf(em, tenantId, touched.flat()) : new Map<string, string>();
    const { complaintOpened, complaintsCleared } = await refreshAggregates(em, tenantId, [...new Set(survivors.values())]);
    const lastTouching = new Map<string, number>();
    touched.forEach((ids, i) => ids.forEach((id) => lastTouching.set(survivors.get(id) ?? id, i)));
    const reportedAt = (i: number) => (id: string) => lastTouching.get(id) === i;
    return moves.map((move, i) => ({
      contactId: move?.after.contactId ? (survivors.get(move.after.contactId) ?? null) : null,
      complaintOpened: complaintOpened.filter(reportedAt(i)),
      complaintsCleared: complaintsCleared.filter(reportedAt(i)),
    }));
  }
}

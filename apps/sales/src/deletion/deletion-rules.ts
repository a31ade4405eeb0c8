import { badUserInput, conflict } from '@rapport/auth';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What to do with the records that belong to an account being deleted. */
export type RelatedRecordsAction = 'DETACH' | 'DELETE';

/** When a record deleted at `deletedAt` stops being restorable (the install's window, in days). */
export function restorableUntil(deletedAt: Date, windowDays: number): Date {
  return new Date(deletedAt.getTime() + windowDays * DAY_MS);
}

/** A record is restorable until its window ends; after that only the purge job touches it. */
export function requireRestorable(typename: string, id: string, until: Date, now: Date): void {
  if (now.getTime() >= until.getTime()) {
    throw conflict(`${typename} ${id} can no longer be restored: its restore window ended at ${until.toISOString()}`, 'input.id');
  }
}

/**
 * An account's contacts and opportunities never go silently: when it has
 * some, the caller must say what happens to them. An opportunity always
 * belongs to an account, so it can only go with it (or be moved first).
 */
export function relatedRecordsPlan(
  counts: { contacts: number; opportunities: number },
  input: { contacts?: RelatedRecordsAction | null; opportunities?: RelatedRecordsAction | null },
): { contacts: RelatedRecordsAction | null; deleteOpportunities: boolean } {
  if (counts.contacts > 0 && !input.contacts) {
    throw badUserInput(
      'input.contacts',
      `the account has ${counts.contacts} contact(s): say DETACH to keep them without the account or DELETE to delete them with it`,
    );
  }
  if (counts.opportunities > 0 && !input.opportunities) {
    throw badUserInput(
      'input.opportunities',
      `the account has ${counts.opportunities} opportunit${counts.opportunities === 1 ? 'y' : 'ies'}: say DELETE to delete them with it, or move them to another account first`,
    );
  }
  if (counts.opportunities > 0 && input.opportunities === 'DETACH') {
    throw badUserInput('input.opportunities', 'an opportunity cannot be without an account: DELETE them with it, or move them first');
  }
  return {
    contacts: counts.contacts > 0 ? (input.contacts ?? null) : null,
    deleteOpportunities: counts.opportunities > 0,
  };
}

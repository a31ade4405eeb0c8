import { conflict } from '@rapport/auth';

const DAY_MS = 24 * 60 * 60 * 1000;

/** When a record deleted at `deletedAt` stops being restorable (the install's DELETION_RESTORE_DAYS). */
export function restorableUntil(deletedAt: Date, windowDays: number): Date {
  return new Date(deletedAt.getTime() + windowDays * DAY_MS);
}

/** A record is restorable until its window ends; from then on only the purge job touches it. */
export function requireRestorable(typename: string, id: string, until: Date, now: Date): void {
  if (now.getTime() >= until.getTime()) {
    throw conflict(`${typename} ${id} can no longer be restored: its restore window ended at ${until.toISOString()}`, 'input.id');
  }
}

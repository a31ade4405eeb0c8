/** How long after its id was minted a sales record may still be on its way (outbox relay, stream, consumer). */
export const FRESH_ID_MS = 60_000;
/** Clock skew tolerated for ids minted "in the future" by another machine. */
const SKEW_MS = 5_000;

/** The millisecond timestamp of a UUID version 7, or null for any other UUID. */
export function uuidV7Time(id: string): number | null {
  const hex = id.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex) || hex[12] !== '7') return null;
  return parseInt(hex.slice(0, 12), 16);
}

/**
 * Whether a record with this id could have been created in sales so
 * recently that its event has not reached us yet. Sales mints UUIDv7 ids, so
 * an id that is no v7, or one minted long ago, cannot be a brand-new record.
 */
export function mayStillArrive(id: string, now: number): boolean {
  const minted = uuidV7Time(id);
  return minted !== null && minted <= now + SKEW_MS && now - minted < FRESH_ID_MS;
}

export interface ProjectionWait {
  /** Is the record in the projection now? */
  present(): Promise<boolean>;
  /** Could it still be on its way (see mayStillArrive)? */
  mayStillArrive(now: number): boolean;
  /** Has the projection applied everything the stream holds? */
  caughtUp(): Promise<boolean>;
  budgetMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 250;

/**
 * Waits, at most `budgetMs`, for a record named by a caller to show up in
 * the projection. Gives up early when it cannot be on its way: the id is
 * not a fresh sales id and the consumer has nothing left to apply. Polls
 * (rather than waiting for an in-process signal) because another replica's
 * consumer may be the one that applies the event.
 */
export async function waitForRecord(w: ProjectionWait): Promise<boolean> {
  const now = w.now ?? Date.now;
  const sleep = w.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + w.budgetMs;
  let pause = FIRST_POLL_MS;
  for (;;) {
    if (await w.present()) return true;
    const left = deadline - now();
    if (left <= 0) return false;
    if (!w.mayStillArrive(now()) && (await w.caughtUp())) {
      // Caught up says every event on the stream was applied; one last look covers an apply that committed meanwhile.
      return w.present();
    }
    await sleep(Math.min(pause, left));
    pause = Math.min(pause * 2, MAX_POLL_MS);
  }
}

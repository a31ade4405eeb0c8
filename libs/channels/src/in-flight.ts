import { TransientChannelError } from './errors';

/**
 * Graceful close for a channel: once closing, new sends fail as transient (the
 * job goes back to the queue for another worker) while the ones in flight
 * finish, so a shutdown never cuts a message in half.
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();
  private closing = false;

  constructor(private readonly channelName: string) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new TransientChannelError(`${this.channelName} is closed`, 'CHANNEL_CLOSED'));
    const promise = work();
    this.running.add(promise);
    const forget = (): void => void this.running.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Resolves once every send started before the call has settled. */
  async drain(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.running]);
  }
}

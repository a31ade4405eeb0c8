import type { EventEnvelope } from '@rapport/contracts';
import { SUBSCRIPTION_FIELDS } from './subscription-fields';

export interface EventListener {
  onEvent(event: EventEnvelope): void;
}

/**
 * This replica's subscribers by routing key (tenant and object in the key,
 * so an event only ever reaches subscribers of its own tenant), and how many
 * subscriptions each caller holds.
 */
export class SubscriptionHub {
  private readonly routes = new Map<string, Set<EventListener>>();
  private readonly held = new Map<string, number>();
  private count = 0;

  /** Subscriptions open on this replica. */
  get active(): number {
    return this.count;
  }

  /** Starts routing events of `key` to the listener; the returned function stops it. */
  listen(key: string, listener: EventListener): () => void {
    let listeners = this.routes.get(key);
    if (!listeners) this.routes.set(key, (listeners = new Set()));
    listeners.add(listener);
    this.count++;
    let listening = true;
    return () => {
      if (!listening) return;
      listening = false;
      this.count--;
      listeners.delete(listener);
      if (listeners.size === 0) this.routes.delete(key);
    };
  }

  /** Hands the event to every listener it concerns; returns how many. */
  deliver(event: EventEnvelope): number {
    let reached = 0;
    for (const field of Object.values(SUBSCRIPTION_FIELDS))
      for (const key of field.keysOf(event))
        for (const listener of this.routes.get(key) ?? []) {
          reached++;
          listener.onEvent(event);
        }
    return reached;
  }

  /** Counts one more subscription for the caller; false when it already holds `max`. */
  claim(caller: string, max: number): boolean {
    const held = this.held.get(caller) ?? 0;
    if (held >= max) return false;
    this.held.set(caller, held + 1);
    return true;
  }

  release(caller: string): void {
    const held = (this.held.get(caller) ?? 0) - 1;
    if (held > 0) this.held.set(caller, held);
    else this.held.delete(caller);
  }
}

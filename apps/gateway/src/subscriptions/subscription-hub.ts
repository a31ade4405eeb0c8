import type { EventEnvelope } from '@rapport/contracts';
import { SUBSCRIPTION_FIELDS } from './subscription-fields';

export interface EventListener {
  onEvent(event: EventEnvelope): void;
}

/**
 * This replica's subscribers by routing key (tenant and object in the key,
 * so an event only ever reaches subscribers of its own tenant). How many
 * subscriptions each caller holds is counted across replicas, in Redis
 * (CallerSubscriptions).
 */
export class SubscriptionHub {
  private readonly routes = new Map<string, Set<EventListener>>();
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
}

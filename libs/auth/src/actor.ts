import type { Principal } from './principal';
import type { EventActor } from '@rapport/contracts';

/** The actor recorded in event envelopes for what a principal did. */
export function actorOf(principal: Principal): EventActor {
  return { kind: principal.kind, id: principal.id };
}

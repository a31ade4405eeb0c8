/** Injection tokens for the infrastructure every service shares. */
export const SERVICE_DEFINITION = Symbol('SERVICE_DEFINITION');
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const METRICS = Symbol('METRICS');
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const MESSAGING_NAMING = Symbol('MESSAGING_NAMING');
/** How long a write waits for an owner identity created a moment ago (a number of milliseconds, per service). */
export const OWNER_WAIT_MS = Symbol('OWNER_WAIT_MS');

/**
 * What `npm start` runs, in start order. Adding a service (e.g. analytics on
 * 4004) is one entry here: the launcher gives it the shared infrastructure
 * variables and its PORT, waits for its /health/ready, prefixes its logs, and
 * — for a subgraph — hands the gateway its URL as SUBGRAPH_<NAME>_URL.
 */
export interface ServiceEntry {
  /** Name shown in log prefixes and messages. */
  name: string;
  /** Compiled entry point, relative to dist/. */
  entry: string;
  /** Variable that moves this service to another port when launched by `npm start`. */
  portVariable: string;
  defaultPort: number;
  /**
   * 'subgraph': routed to by the gateway. 'gateway': the public endpoint, started
   * after every subgraph is ready because it checks them at start.
   */
  role: 'subgraph' | 'gateway';
  /** Extra environment for this service only, computed from the launcher's environment. */
  env?: (parent: NodeJS.ProcessEnv) => Record<string, string>;
}

/** The demo login identity creates with SEED_DEMO=true. */
export const DEMO = { tenant: 'demo', email: 'admin@demo.test', defaultPassword: 'rapport-demo' } as const;

export function demoPassword(parent: NodeJS.ProcessEnv): string {
  return parent.RAPPORT_DEMO_PASSWORD || DEMO.defaultPassword;
}

/** The support mailboxes' domain under `npm start`, unless the environment names one. */
export function inboundEmailDomain(parent: NodeJS.ProcessEnv): string {
  return parent.SERVICE_INBOUND_EMAIL_DOMAIN || 'support.rapport.localhost';
}

export function inboundSmtpPort(parent: NodeJS.ProcessEnv): string {
  return parent.SERVICE_INBOUND_SMTP_PORT || '2525';
}

/** Identity issues the tokens every other service verifies, so its port decides IDENTITY_JWKS_URL. */
export const IDENTITY_SERVICE = 'identity';

export const SERVICES: readonly ServiceEntry[] = [
  {
    name: IDENTITY_SERVICE,
    entry: 'apps/identity/src/main.js',
    portVariable: 'IDENTITY_PORT',
    defaultPort: 4001,
    role: 'subgraph',
    // A fresh start should be usable at once: seed the demo tenant (idempotent).
    env: (parent) => ({ SEED_DEMO: 'true', RAPPORT_DEMO_PASSWORD: demoPassword(parent) }),
  },
  { name: 'sales', entry: 'apps/sales/src/main.js', portVariable: 'SALES_PORT', defaultPort: 4002, role: 'subgraph' },
  // After sales: it projects sales' contact events.
  { name: 'analytics', entry: 'apps/analytics/src/main.js', portVariable: 'ANALYTICS_PORT', defaultPort: 4004, role: 'subgraph' },
  {
    name: 'service',
    entry: 'apps/service/src/main.js',
    portVariable: 'SERVICE_PORT',
    defaultPort: 4003,
    role: 'subgraph',
    // Email-to-case on a local SMTP endpoint: mail to <tenant slug>@<domain> there opens a case (the banner says where).
    // Survey links point at the gateway, which forwards /s/* to the service.
    env: (parent) => ({
      SERVICE_INBOUND_EMAIL_DOMAIN: inboundEmailDomain(parent),
      SERVICE_INBOUND_SMTP_PORT: inboundSmtpPort(parent),
      SERVICE_PUBLIC_URL: parent.SERVICE_PUBLIC_URL || `http://localhost:${parent.PORT || 4000}`,
    }),
  },
  // Last of the subgraphs: it projects the events of all the others.
  {
    name: 'marketing',
    entry: 'apps/marketing/src/main.js',
    portVariable: 'MARKETING_PORT',
    defaultPort: 4005,
    role: 'subgraph',
    // Links in messages (unsubscribe, tracking, confirmation) point at the gateway, which forwards /m/* to marketing.
    env: (parent) => ({ MARKETING_PUBLIC_URL: parent.MARKETING_PUBLIC_URL || `http://localhost:${parent.PORT || 4000}` }),
  },
  {
    name: 'gateway',
    entry: 'apps/gateway/src/main.js',
    portVariable: 'PORT',
    defaultPort: 4000,
    role: 'gateway',
    // The demo tenant's admin is this laptop's operator: the job-queue dashboard at /admin/queues is theirs.
    env: (parent) => ({ QUEUE_DASHBOARD_TENANT: parent.QUEUE_DASHBOARD_TENANT || DEMO.tenant }),
  },
];

/** Every service mounts this (libs/observability): 200 once its dependencies answer. */
export const READY_PATH = '/health/ready';

/**
 * One JetStream stream per producing service, capturing that service's
 * subject space. Consumers bind to the producer's stream by name.
 */
export const STREAMS = {
  IDENTITY: { name: 'IDENTITY', subjects: ['identity.>'] },
  SALES: { name: 'SALES', subjects: ['sales.>'] },
  ANALYTICS: { name: 'ANALYTICS', subjects: ['analytics.>'] },
  SERVICE: { name: 'SERVICE', subjects: ['service.>'] },
  MARKETING: { name: 'MARKETING', subjects: ['marketing.>'] },
  /** Written by partner systems (orders from shops, ERPs); created by analytics, which consumes it. */
  COMMERCE: { name: 'COMMERCE', subjects: ['commerce.>'] },
  /** Facts about the platform's own delivery machinery (webhooks), produced by identity. */
  PLATFORM: { name: 'PLATFORM', subjects: ['platform.>'] },
} as const;

export type StreamKey = keyof typeof STREAMS;
export interface StreamDefinition {
  name: string;
  subjects: readonly string[];
}

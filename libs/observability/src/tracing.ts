import type { IncomingMessage } from 'node:http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { flushOnShutdown } from './telemetry-flush';

/** Operational routes are polled every few seconds by probes and scrapers: tracing them would bury the traces that matter. */
const OPERATIONAL = /^\/(health\/|metrics$)/;

/** Tracing is on when an OTLP endpoint is configured (the standard variables), and never when the SDK is disabled. */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * OpenTelemetry traces of this process, exported by OTLP over HTTP when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set and off otherwise (no SDK, no cost).
 * The standard OTEL_* variables (sampler, batch delay, headers, resource
 * attributes) apply as documented by OpenTelemetry.
 *
 * It instruments by patching modules as they are loaded, so it must run
 * before the process loads http, express, pg or ioredis: each service's
 * main.ts imports its `tracing.ts` first. Returns whether tracing is on. Incoming and outgoing HTTP carry
 * W3C trace context, so a gateway request and the subgraph calls it makes
 * are one trace; @apollo/gateway adds its own plan and fetch spans.
 *
 * What spans record is chosen not to leak personal data into a tracing
 * backend: SQL statements without their parameter values, Redis commands
 * without their arguments.
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!tracingEnabled(env)) return false;
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || `rapport-${serviceName}` })),
    // The batch's delay, size and queue follow OTEL_BSP_* (the exporter's endpoint and headers follow OTEL_EXPORTER_OTLP_*).
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // W3C trace context and baggage, the async-hooks context manager: what the SDK's default registration sets.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req: IncomingMessage) => OPERATIONAL.test(req.url ?? '') }),
      // Route handlers only: a span per middleware (body parser, rate limit, context) is noise at this level.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
    ],
  });
  // The shutdown sequence exports what is still buffered after the close.
  flushOnShutdown(() => provider.shutdown());
  return true;
}

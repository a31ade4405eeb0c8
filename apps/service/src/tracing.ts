import { startTracing } from '@rapport/observability/tracing';

// Imported first by main.ts: tracing patches http, express, pg and ioredis as they load, so it starts before them.
startTracing('service');

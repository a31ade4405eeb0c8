import type { Type } from '@nestjs/common';
import { bootstrapService, loadServiceConfig, type ServiceDefinition, type StartedService } from '@rapport/service-kit';
import { migratedAlready } from './migrated-already';

/** Services this test file started and has not closed; the leak guard closes them and names them after the file. */
const openServices = new Set<{ name: string; service: StartedService }>();

/**
 * Starts a real service in this process on a free port against the run's
 * isolated schema/streams. `env` overrides apply only while it boots (config
 * is read once, at start). Migrations run (and roles are granted) unless the
 * schema already records every one of them (ADR 088) or `env` says otherwise.
 */
export async function startService(
  appModule: Type<unknown>,
  def: ServiceDefinition,
  env: Record<string, string> = {},
): Promise<StartedService> {
  const saved = { ...process.env };
  const migrations =
    env.RUN_MIGRATIONS ?? ((await migratedAlready(def, loadServiceConfig(def, { ...process.env, ...env }))) ? 'false' : 'true');
  Object.assign(process.env, { PORT: '0', RUN_MIGRATIONS: migrations }, env);
  try {
    const started = await bootstrapService(appModule, def);
    if (!started) throw new Error('service exited after migrations');
    const entry = { name: def.name, service: started };
    openServices.add(entry);
    return {
      ...started,
      close: async () => {
        openServices.delete(entry);
        await started.close();
      },
    };
  } finally {
    process.env = saved;
  }
}

/**
 * Closes what the test file left running and names it. Left open, a service
 * would go on consuming this Jest worker's streams and queues while the next
 * files run (answering their requests, taking their jobs).
 */
export async function closeServicesLeftOpen(): Promise<string[]> {
  const left = [...openServices];
  openServices.clear();
  await Promise.allSettled(left.map((entry) => entry.service.close()));
  return left.map((entry) => entry.name);
}

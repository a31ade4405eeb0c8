import type { Type } from '@nestjs/common';
import { bootstrapService, type ServiceDefinition, type StartedService } from '@rapport/service-kit';

/**
 * Starts a real service in this process on a free port against the run's
 * isolated schema/streams. `env` overrides apply only while it boots (config
 * is read once, at start).
 */
export async function startService(
  appModule: Type<unknown>,
  def: ServiceDefinition,
  env: Record<string, string> = {},
): Promise<StartedService> {
  const saved = { ...process.env };
  Object.assign(process.env, { PORT: '0', RUN_MIGRATIONS: 'true' }, env);
  try {
    const started = await bootstrapService(appModule, def);
    if (!started) throw new Error('service exited after migrations');
    return started;
  } finally {
    process.env = saved;
  }
}

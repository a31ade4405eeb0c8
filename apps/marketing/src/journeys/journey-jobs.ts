import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '@rapport/observability';
import { JobQueues, LOGGER, SERVICE_CONFIG } from '@rapport/service-kit';
import type { Job, Queue } from 'bullmq';
import type { MarketingConfig } from '../marketing.env';
import { JourneyEngine, type StepSchedule } from './journey-engine';

export const JOURNEY_QUEUE = 'marketing-journeys';

type StepJobData = Omit<StepSchedule, 'delayMs'>;

/**
 * Journey steps as BullMQ jobs: one job per (enrolment, visit), delayed for
 * waits, retried with backoff. The job id makes a second scheduling of the
 * same visit a no-op; the engine ignores a job whose visit is not current.
 */
@Injectable()
export class JourneyJobs implements OnModuleInit {
  private queue!: Queue<StepJobData>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MarketingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly jobs: JobQueues,
    private readonly engine: JourneyEngine,
  ) {}

  onModuleInit(): void {
    this.queue = this.jobs.queue<StepJobData>(JOURNEY_QUEUE, {
      attempts: 8,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: 1000,
      removeOnFail: 5000,
    });
    this.jobs.worker<StepJobData>(JOURNEY_QUEUE, (job) => this.runStep(job), {
      concurrency: this.config.MARKETING_JOURNEY_CONCURRENCY,
      describe: (job) => ({ tenantId: job.data.tenantId, enrollmentId: job.data.enrollmentId, visit: job.data.visit }),
    });
  }

  /** Never throws: the state is committed already; a lost schedule is logged (the enrolment shows where it stands). */
  async schedule(steps: StepSchedule[]): Promise<void> {
    for (const { delayMs, ...data } of steps) {
      await this.queue
        .add('step', data, { jobId: `step-${data.enrollmentId}-${data.visit}`, delay: delayMs })
        .catch((err: unknown) => this.logger.error({ err, ...data }, 'could not schedule a journey step'));
    }
  }

  private async runStep(job: Job<StepJobData>): Promise<void> {
    const next = await this.engine.run(job.data.tenantId, job.data.enrollmentId, job.data.visit);
    if (next) await this.schedule([next]);
  }
}

import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { JobQueues, SERVICE_CONFIG, ServiceDatabase } from '@rapport/service-kit';
import type { Queue } from 'bullmq';
import type { ServiceConfig } from '../service.env';
import { PrivacyAnswers } from './privacy-answers';

interface DeadlineJob {
  tenantId: string;
  requestId: string;
}

const QUEUE = 'privacy-deadlines';

/**
 * One delayed job per request, due at its deadline (job id from the request,
 * so a retried schedule adds nothing): a request still pending then is
 * settled as INCOMPLETE, naming the services that did not answer.
 */
@Injectable()
export class PrivacyDeadlines implements OnApplicationBootstrap {
  private queue: Queue<DeadlineJob> | null = null;

  constructor(
    private readonly jobs: JobQueues,
    private readonly db: ServiceDatabase,
    private readonly answers: PrivacyAnswers,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  /** The worker starts once the whole app is up; the queue opens on first use (a request may come first). */
  onApplicationBootstrap(): void {
    this.jobs.worker<DeadlineJob>(QUEUE, (job) => this.expire(job.data), { concurrency: 1, describe: (job) => job.data });
  }

  async schedule(tenantId: string, requestId: string): Promise<void> {
    this.queue ??= this.jobs.queue<DeadlineJob>(QUEUE, {
      removeOnComplete: true,
      removeOnFail: 100,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
    });
    await this.queue.add(
      'deadline',
      { tenantId, requestId },
      { jobId: `deadline-${requestId}`, delay: this.config.PRIVACY_ANSWER_TIMEOUT_SECONDS * 1000 },
    );
  }

  private async expire({ tenantId, requestId }: DeadlineJob): Promise<void> {
    await this.db.withTenant(tenantId, async (em) => {
      const [request] = await em.query(
        `SELECT id, kind, contact_id, record_ids, status, requested_at, deadline_at, private_key FROM privacy_requests
          WHERE id = $1 AND status = 'PENDING' FOR UPDATE`,
        [requestId],
      );
      if (request) await this.answers.settle(em, tenantId, request, true);
    });
  }
}

import { Injectable, type OnModuleInit } from '@nestjs/common';
import { JobQueues } from '@rapport/service-kit';
import type { Queue } from 'bullmq';

export const CONFIRMATION_QUEUE = 'marketing-confirmations';

export interface ConfirmationJobData {
  tenantId: string;
  confirmationId: string;
}

/** Queues double opt-in confirmation emails (sent by ConfirmationMailer); one job per confirmation. */
@Injectable()
export class ConfirmationRequests implements OnModuleInit {
  private queue!: Queue<ConfirmationJobData>;

  constructor(private readonly jobs: JobQueues) {}

  onModuleInit(): void {
    this.queue = this.jobs.queue<ConfirmationJobData>(CONFIRMATION_QUEUE, {
      attempts: 8,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: 1000,
      removeOnFail: 5000,
    });
  }

  async request(tenantId: string, confirmationId: string): Promise<void> {
    await this.queue.add('confirm', { tenantId, confirmationId }, { jobId: `confirm-${confirmationId}` });
  }
}

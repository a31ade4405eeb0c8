import { Injectable } from '@nestjs/common';
import type { EventConsumer } from '@rapport/messaging';

/**
 * Feature modules register their event consumers here; the service starts
 * them once everything is wired and stops them first at shutdown, so no
 * message is taken that the process cannot finish.
 */
@Injectable()
export class ConsumerRegistry {
  private readonly consumers: EventConsumer[] = [];

  register(consumer: EventConsumer): void {
    this.consumers.push(consumer);
  }

  async startAll(): Promise<void> {
    for (const c of this.consumers) await c.start();
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
  }
}

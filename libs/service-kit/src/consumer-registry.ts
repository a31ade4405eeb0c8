import { Injectable } from '@nestjs/common';
import { DeadLetter, type EventConsumer } from '@rapport/messaging';

/**
 * Feature modules register their event consumers here; the service starts
 * them once everything is wired and stops them first at shutdown, so no
 * message is taken that the process cannot finish. Every consumer parks what
 * it gives up on in the service's dead letter, which also replays parked
 * events through it on an operator's request (docs/adr/018-dead-letter.md).
 */
@Injectable()
export class ConsumerRegistry {
  private readonly consumers: EventConsumer[] = [];

  constructor(private readonly deadLetter: DeadLetter) {}

  register(consumer: EventConsumer): void {
    this.consumers.push(consumer.parkFailuresIn(this.deadLetter));
  }

  async startAll(): Promise<void> {
    await this.deadLetter.start(this.consumers);
    for (const c of this.consumers) await c.start();
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.consumers.map((c) => c.stop()), this.deadLetter.stop()]);
  }
}

import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { Logger } from '@rapport/observability';
import { LOGGER, SERVICE_CONFIG } from '@rapport/service-kit';
import type { Request, Response } from 'express';
import type { ServiceConfig } from '../service.env';
import { InboundBusyError, InboundEmailService } from './inbound-email.service';
import { parseInbound } from './parse-inbound';
import { verifyInboundWebhook } from './webhook-signature';

/**
 * POST /inbound/email — a mail provider's inbound parse (ADR 039): the body
 * is the raw message (`Content-Type: message/rfc822`), signed the Standard
 * Webhooks way with SERVICE_INBOUND_WEBHOOK_SECRET. The tenant comes from
 * the message's recipients (To, Cc, Delivered-To, X-Original-To) at the
 * support domain. 200 with what became of it (also for a repeat, which
 * changes nothing); 401 unsigned or stale; 413 too large; 415 not a
 * message; 422 for no support mailbox (a provider should not retry); 503
 * while the same message is being taken in by another delivery; 404 while
 * the webhook is not configured.
 */
@Controller('inbound')
export class InboundWebhookController {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly inbound: InboundEmailService,
  ) {}

  @Post('email')
  async receive(@Req() req: Request, @Res() res: Response): Promise<void> {
    const secret = this.config.SERVICE_INBOUND_WEBHOOK_SECRET;
    if (!secret || !this.inbound.enabled) return void res.status(404).json({ code: 'NOT_FOUND', message: 'inbound email webhook is off' });
    if (!/^message\/rfc822\b/i.test(req.header('content-type') ?? ''))
      return void res.status(415).json({ code: 'BAD_USER_INPUT', message: 'send the raw message as Content-Type: message/rfc822' });
    const max = this.config.SERVICE_INBOUND_MAX_MESSAGE_BYTES;
    const body = await readBody(req, max);
    if (body === null) return void res.status(413).json({ code: 'PAYLOAD_TOO_LARGE', message: `message larger than ${max} bytes` });
    const verified = verifyInboundWebhook(secret, body, req.headers);
    if (!verified.ok)
      return void res.status(401).json({ code: 'UNAUTHENTICATED', message: `webhook signature refused: ${verified.reason}` });
    const outcome = await this.inbound.ingest(await parseInbound(body, null), 'WEBHOOK').catch((err: unknown) => {
      if (err instanceof InboundBusyError) return null;
      throw err;
    });
    if (outcome === null)
      return void res.status(503).set('retry-after', '60').json({ code: 'SERVICE_UNAVAILABLE', message: 'try again later' });
    if (outcome.status === 'REJECTED') {
      this.logger.warn({ webhookId: verified.id, reason: outcome.reason }, 'inbound email webhook: no support mailbox');
      return void res.status(422).json({ code: 'BAD_USER_INPUT', field: 'to', message: outcome.reason });
    }
    res.status(200).json(outcome);
  }
}

/** The request body, or null once it passes `max` bytes (the rest is not read). */
function readBody(req: Request, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        return resolve(null);
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

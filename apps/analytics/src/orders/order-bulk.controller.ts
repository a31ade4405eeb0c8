import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { TokenVerifier } from '@rapport/auth';
import type { Logger } from '@rapport/observability';
import { authenticate, LOGGER } from '@rapport/service-kit';
import type { Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { MAX_BULK_BYTES } from './bulk-orders';
import { OrdersService } from './orders.service';

const STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, BAD_USER_INPUT: 400, PAYLOAD_TOO_LARGE: 413 };
export const NDJSON = 'application/x-ndjson';

/**
 * POST /orders/bulk — recordOrders for bulk loads (the orders CSV CLI): an
 * NDJSON body, one OrderInput a line, up to MAX_BULK_ORDERS. Authenticated
 * like GraphQL (the bearer token, verified here), written in the caller's
 * tenant transaction and audited. The answer is JSON: the counts and the
 * rejected lines (`index`, `field`, `message`, as recordOrders reports
 * them); errors are `{ code, message }` with the matching HTTP status.
 */
@Controller('orders')
export class OrderBulkController {
  constructor(
    private readonly orders: OrdersService,
    private readonly verifier: TokenVerifier,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post('bulk')
  async bulk(@Req() req: Request & { requestId?: string }, @Res() res: Response): Promise<void> {
    try {
      const principal = await authenticate(req, this.verifier);
      if (!principal) return void res.status(401).json({ code: 'UNAUTHENTICATED', message: 'authentication required' });
      if (!req.is(NDJSON)) {
        return void res.status(415).json({ code: 'BAD_USER_INPUT', message: `the body must be ${NDJSON} (one order as JSON a line)` });
      }
      const body = await readBody(req, MAX_BULK_BYTES);
      const outcome = await this.orders.recordBulk(principal, body, req.requestId ?? null);
      res.status(200).json({
        created: outcome.created,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
        rejected: outcome.rejected,
        rejections: outcome.results.flatMap((r) =>
          r.error
            ? [{ index: r.index, source: r.source, externalOrderId: r.externalOrderId, field: r.error.field, message: r.error.message }]
            : [],
        ),
      });
    } catch (err) {
      if (!(err instanceof GraphQLError)) {
        this.logger.error({ err }, 'bulk order ingest failed');
        return void res.status(500).json({ code: 'INTERNAL_SERVER_ERROR', message: 'the orders could not be recorded' });
      }
      const code = String(err.extensions.code ?? 'BAD_USER_INPUT');
      res.status(STATUS[code] ?? 400).json({ code, message: err.message, field: err.extensions.field });
    }
  }
}

/** The body as UTF-8, refused with PAYLOAD_TOO_LARGE past `limit` bytes (before reading the rest). */
async function readBody(req: Request, limit: number): Promise<string> {
  const declared = Number(req.header('content-length'));
  if (declared > limit) throw payloadTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw payloadTooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function payloadTooLarge(limit: number): GraphQLError {
  return new GraphQLError(`the body exceeds ${limit} bytes; send fewer orders a request`, { extensions: { code: 'PAYLOAD_TOO_LARGE' } });
}

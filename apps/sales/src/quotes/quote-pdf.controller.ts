import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { TokenVerifier, type Principal } from '@rapport/auth';
import type { Logger } from '@rapport/observability';
import { authenticate, LOGGER } from '@rapport/service-kit';
import type { Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { QuotesService } from './quotes.service';

const STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, BAD_USER_INPUT: 400 };

/**
 * GET /quotes/:id.pdf — the quote as a PDF. Authenticated like GraphQL (the
 * bearer token, verified again here) and read in the caller's tenant
 * transaction, so another tenant's quote id is simply not found. Errors are
 * JSON `{ code, message }` with the matching HTTP status.
 */
@Controller('quotes')
export class QuotePdfController {
  constructor(
    private readonly quotes: QuotesService,
    private readonly verifier: TokenVerifier,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get(':id.pdf')
  async pdf(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    try {
      const principal: Principal | null = await authenticate(req, this.verifier);
      if (!principal) {
        res.status(401).json({ code: 'UNAUTHENTICATED', message: 'authentication required' });
        return;
      }
      const data = await this.quotes.document(principal, id);
      if (!data) {
        res.status(404).json({ code: 'NOT_FOUND', message: `Quote ${id} not found` });
        return;
      }
      // Loaded at the first quote printed: pdfkit and fontkit were a fifth of a second of every start (ADR 088).
      const { renderQuotePdf } = await import('./quote-pdf');
      const pdf = await renderQuotePdf(data);
      res
        .status(200)
        .set({
          'content-type': 'application/pdf',
          'content-disposition': `inline; filename="${data.quote.number}.pdf"`,
          'cache-control': 'private, no-store',
        })
        .send(pdf);
    } catch (err) {
      if (!(err instanceof GraphQLError)) {
        this.logger.error({ err }, 'quote PDF failed');
        res.status(500).json({ code: 'INTERNAL_SERVER_ERROR', message: 'the PDF could not be produced' });
        return;
      }
      const code = String(err.extensions.code ?? 'BAD_USER_INPUT');
      res.status(STATUS[code] ?? 400).json({ code, message: err.message });
    }
  }
}

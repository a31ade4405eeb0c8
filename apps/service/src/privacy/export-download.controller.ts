import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { TokenVerifier } from '@rapport/auth';
import type { Logger } from '@rapport/observability';
import { authenticate, LOGGER, ServiceDatabase } from '@rapport/service-kit';
import type { Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { validDownload } from './privacy-report';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * GET /privacy/exports/:id.json?expires=…&signature=… — a personal-data
 * export's archive, through the gateway's document proxy. Three locks: the
 * caller's token (verified here again, read in their tenant), the link's
 * signature under the export's own secret with its expiry, and the caller
 * being the requester. Any failure is the same 404, so a link says nothing
 * about exports the caller may not have.
 */
@Controller('privacy/exports')
export class ExportDownloadController {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly verifier: TokenVerifier,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get(':id.json')
  async download(
    @Param('id') id: string,
    @Query('expires') expires: string,
    @Query('signature') signature: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    try {
      const principal = await authenticate(req, this.verifier);
      if (!principal) return void res.status(401).json({ code: 'UNAUTHENTICATED', message: 'authentication required' });
      const notFound = () => res.status(404).json({ code: 'NOT_FOUND', message: `PersonalDataExport ${id} not found or its link expired` });
      if (!UUID.test(id) || typeof expires !== 'string' || typeof signature !== 'string') return void notFound();
      const [row]: { archive: Buffer | null; download_secret: string; download_expires_at: Date | null; requested_by: string | null }[] =
        await this.db.withTenant(principal.tenantId, (em) =>
          em.query(
            `SELECT archive, download_secret, download_expires_at, requested_by FROM privacy_requests WHERE id = $1 AND kind = 'EXPORT'`,
            [id],
          ),
        );
      const valid =
        row?.archive &&
        row.download_expires_at &&
        row.requested_by === principal.id &&
        validDownload(row.download_secret, id, row.download_expires_at, { expires, signature }, new Date());
      if (!valid) return void notFound();
      res
        .status(200)
        .set({
          'content-type': 'application/json; charset=utf-8',
          'content-disposition': `attachment; filename="personal-data-${id}.json"`,
          'cache-control': 'private, no-store',
        })
        .send(row.archive);
    } catch (err) {
      if (err instanceof GraphQLError) return void res.status(401).json({ code: err.extensions.code, message: err.message });
      this.logger.error({ err }, 'export download failed');
      res.status(500).json({ code: 'INTERNAL_SERVER_ERROR', message: 'the export could not be read' });
    }
  }
}

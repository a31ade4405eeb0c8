import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { TokenVerifier } from '@rapport/auth';
import type { Logger } from '@rapport/observability';
import { AccessPolicy, authenticate, LOGGER, ServiceDatabase } from '@rapport/service-kit';
import type { Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { requireCaseAccess } from '../access/service-access';
import { CasesService } from '../cases/cases.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * GET /case-attachments/:id — a file kept from an inbound email, through
 * the gateway's document proxy (`EmailAttachment.url`). The caller's token
 * is verified here again; the file is served only if its case is one the
 * caller may read (customers: their own), and a file of an email held for
 * triage only to the support team. Always a download of opaque bytes
 * (application/octet-stream, nosniff): what a stranger attached must never
 * render as a page on the platform's origin. Anything not allowed is 404.
 */
@Controller('case-attachments')
export class AttachmentDownloadController {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly verifier: TokenVerifier,
    private readonly cases: CasesService,
    private readonly access: AccessPolicy,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get(':id')
  async download(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    try {
      const principal = await authenticate(req, this.verifier);
      if (!principal) return void res.status(401).json({ code: 'UNAUTHENTICATED', message: 'authentication required' });
      const notFound = () => res.status(404).json({ code: 'NOT_FOUND', message: `EmailAttachment ${id} not found` });
      if (!UUID.test(id)) return void notFound();
      requireCaseAccess(principal, 'CASES', 'READ', await this.access.overrides(principal));
      const [row]: { caseId: string | null; fileName: string; content: Buffer }[] = await this.db.withTenant(principal.tenantId, (em) =>
        em.query(`SELECT case_id AS "caseId", file_name AS "fileName", content FROM email_attachments WHERE id = $1`, [id]),
      );
      if (!row) return void notFound();
      const allowed = row.caseId ? (await this.cases.get(principal, row.caseId)) !== null : principal.kind !== 'customer';
      if (!allowed) return void notFound();
      res
        .status(200)
        .set({
          'content-type': 'application/octet-stream',
          'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(row.fileName)}`,
          'x-content-type-options': 'nosniff',
          'cache-control': 'private, no-store',
        })
        .send(row.content);
    } catch (err) {
      if (err instanceof GraphQLError) {
        const code = err.extensions.code as string;
        return void res.status(code === 'FORBIDDEN' ? 403 : 401).json({ code, message: err.message });
      }
      this.logger.error({ err }, 'attachment download failed');
      res.status(500).json({ code: 'INTERNAL_SERVER_ERROR', message: 'the attachment could not be read' });
    }
  }
}

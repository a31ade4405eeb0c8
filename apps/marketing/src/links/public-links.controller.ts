import { Controller, Get, HttpCode, Param, Post, Req, Res, type RawBodyRequest } from '@nestjs/common';
import { SIGNATURE_HEADER } from '@rapport/channels';
import type { Request, Response } from 'express';
import { PublicLinks } from './public-links.service';

/** A 1×1 transparent GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font-size:1rem;padding:.5rem 1rem}</style>
</head><body><h1>${title}</h1>${body}</body></html>`;
}

/**
 * The routes links in messages point at (through the gateway's /m/*), used
 * without login: the token in the path is signed. GET pages only offer the
 * action (mail scanners follow links); the POST does it — which is also
 * what RFC 8058 one-click unsubscribe sends.
 */
@Controller('m')
export class PublicLinksController {
  constructor(private readonly links: PublicLinks) {}

  @Get('u/:token')
  unsubscribePage(@Param('token') token: string, @Res() res: Response): void {
    res
      .type('html')
      .send(
        page(
          'Unsubscribe',
          `<p>Stop receiving these messages?</p><form method="post" action="${encodeURIComponent(token)}"><button type="submit">Unsubscribe</button></form>`,
        ),
      );
  }

  @Post('u/:token')
  @HttpCode(200)
  async unsubscribe(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const outcome = await this.links.unsubscribe(token);
    if (!outcome.ok)
      return void res
        .status(outcome.reason === 'INVALID' ? 400 : 404)
        .type('html')
        .send(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'));
    res.type('html').send(page('Unsubscribed', '<p>You will not receive these messages any more.</p>'));
  }

  @Get('o/:token')
  async open(@Param('token') token: string, @Res() res: Response): Promise<void> {
    await this.links.open(token);
    res.set({ 'content-type': 'image/gif', 'cache-control': 'no-store, max-age=0' }).send(PIXEL);
  }

  @Get('c/:token')
  async click(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const target = await this.links.click(token);
    if (!target) return void res.status(400).type('html').send(page('Link not valid', '<p>This link is not valid.</p>'));
    res.redirect(302, target);
  }

  @Get('confirm/:token')
  confirmPage(@Param('token') token: string, @Res() res: Response): void {
    res
      .type('html')
      .send(
        page(
          'Confirm your subscription',
          `<form method="post" action="${encodeURIComponent(token)}"><button type="submit">Yes, subscribe me</button></form>`,
        ),
      );
  }

  @Post('confirm/:token')
  @HttpCode(200)
  async confirm(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const outcome = await this.links.confirm(token);
    if (outcome.ok) return void res.type('html').send(page('Thank you', '<p>Your subscription is confirmed.</p>'));
    const message = outcome.reason === 'EXPIRED' ? 'This confirmation link has expired.' : 'This confirmation link is not valid.';
    res
      .status(outcome.reason === 'EXPIRED' ? 410 : 400)
      .type('html')
      .send(page('Not confirmed', `<p>${message}</p>`));
  }

  @Post('webhooks/receipts')
  @HttpCode(200)
  async receipt(@Req() req: RawBodyRequest<Request>, @Res() res: Response): Promise<void> {
    const outcome = await this.links.receipt(req.rawBody ?? Buffer.alloc(0), req.header(SIGNATURE_HEADER) ?? undefined);
    res.status({ ACCEPTED: 200, REFUSED: 401, INVALID: 400, UNKNOWN: 404 }[outcome]).json({ outcome });
  }
}

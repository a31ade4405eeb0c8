import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { AuditRecorder } from '@rapport/service-kit';
import type { Response } from 'express';
import { SatisfactionService } from '../satisfaction/satisfaction.service';
import { escapeHtml, RATINGS } from './survey-email';
import { SurveyLinks } from './survey-links';

const LABELS = ['', 'Very unhappy', 'Unhappy', 'Neutral', 'Happy', 'Very happy'];

/**
 * The survey email's rating links, without login, through the gateway's
 * public routes (`/s/rate/<signed token>`). GET answers a page that posts
 * the chosen rating at once (one click for a person in a browser), with a
 * button where scripts do not run: a link scanner that only fetches the URL
 * records nothing (the reason RFC 8058 makes one-click links POST). POST records it like
 * `rateCase` (service.case.rated, one audit entry), once per resolution.
 */
@Controller('s')
export class SurveyRatingController {
  constructor(
    private readonly links: SurveyLinks,
    private readonly satisfaction: SatisfactionService,
    private readonly audit: AuditRecorder,
  ) {}

  @Get('rate/:token')
  page(@Param('token') token: string, @Query('rating') rating: string, @Res() res: Response): void {
    const value = Number(rating);
    if (!this.links.verify(token))
      return void res.status(404).type('html').send(page('Link not valid', '<p>This survey link is not valid.</p>'));
    if (!RATINGS.includes(value as (typeof RATINGS)[number]))
      return void res.status(400).type('html').send(page('Choose a rating', '<p>Use one of the links in the email.</p>'));
    const action = escapeHtml(encodeURIComponent(token));
    res
      .type('html')
      .set('cache-control', 'no-store')
      .send(
        page(
          'Your rating',
          `<form id="rate" method="post" action="${action}"><input type="hidden" name="rating" value="${value}">` +
            `<p>Your rating: <strong>${value} – ${LABELS[value]}</strong></p><button type="submit">Send</button></form>` +
            `<script>document.getElementById('rate').submit();</script>`,
        ),
      );
  }

  @Post('rate/:token')
  @HttpCode(200)
  async rate(@Param('token') token: string, @Body() body: { rating?: string; comment?: string }, @Res() res: Response): Promise<void> {
    const link = this.links.verify(token);
    if (!link) return void res.status(404).type('html').send(page('Link not valid', '<p>This survey link is not valid.</p>'));
    const rating = Number(body?.rating);
    if (!RATINGS.includes(rating as (typeof RATINGS)[number]))
      return void res.status(400).type('html').send(page('Choose a rating', '<p>The rating must be a whole number from 1 to 5.</p>'));
    const comment = typeof body?.comment === 'string' && body.comment.trim() !== '' ? body.comment.trim().slice(0, 5000) : null;
    const outcome = await this.satisfaction.rateByLink(link, rating, comment, (em, answer) =>
      this.audit.record(em, {
        tenantId: link.tenantId,
        action: 'rateCaseByLink',
        actor: { kind: 'customer', id: answer.contactId },
        objectType: 'Case',
        objectId: answer.caseId,
        details: { requestId: answer.id, rating },
      }),
    );
    if (outcome === 'UNKNOWN')
      return void res.status(404).type('html').send(page('Link not valid', '<p>This survey link is not valid.</p>'));
    if (outcome === 'ANSWERED')
      return void res.status(409).type('html').send(page('Already rated', '<p>You have already rated this case. Thank you!</p>'));
    res.type('html').send(page('Thank you', `<p>We recorded your rating: ${rating} – ${LABELS[rating]}.</p>`));
  }
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

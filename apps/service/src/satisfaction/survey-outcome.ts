import type { EntityManager } from 'typeorm';

/** Why a resolution's survey email was not sent: no consent, no address, no mail server, or the address bounced. */
export type SurveySkipReason = 'NO_CONSENT' | 'NO_EMAIL' | 'NO_MAIL_SERVER' | 'BOUNCED';

/**
 * What became of a satisfaction request's survey email, recorded on the
 * request (satisfaction owns the table; the survey sender calls these).
 */
export async function recordSurveySent(em: EntityManager, requestId: string): Promise<void> {
  await em.query(`UPDATE satisfaction_requests SET survey_sent_at = now() WHERE id = $1`, [requestId]);
}

export async function recordSurveySkipped(em: EntityManager, requestId: string, reason: SurveySkipReason): Promise<void> {
  await em.query(`UPDATE satisfaction_requests SET survey_skipped = $2 WHERE id = $1`, [requestId, reason]);
}

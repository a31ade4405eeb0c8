import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import type { TemplateContent } from '../vocabulary/messages';

/** Stores checked content; campaign variants and journey send steps point at it. */
export async function insertTemplate(em: EntityManager, tenantId: string, channel: string, content: TemplateContent): Promise<string> {
  const id = uuidv7();
  await em.query(`INSERT INTO message_templates (id, tenant_id, channel, subject, body_text, body_html) VALUES ($1, $2, $3, $4, $5, $6)`, [
    id,
    tenantId,
    channel,
    content.subject,
    content.text,
    content.html,
  ]);
  return id;
}

export async function loadTemplate(em: EntityManager, tenantId: string, id: string): Promise<TemplateContent> {
  const [row]: { subject: string | null; body_text: string; body_html: string | null }[] = await em.query(
    `SELECT subject, body_text, body_html FROM message_templates WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  if (!row) throw new Error(`message template ${id} is missing`);
  return { subject: row.subject, text: row.body_text, html: row.body_html };
}

import { Injectable } from '@nestjs/common';
import { badUserInput, forbidden, type Principal } from '@rapport/auth';
import { ServiceDatabase, validate } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';
import { requireKnowledgeRead, requireServiceAdmin } from '../access/service-access';
import { parseLocale } from './knowledge-locale';

const DEFAULT_LANGUAGE = 'english';
const DEFAULT_LOCALE = 'en';

/**
 * Per-tenant knowledge settings — the text-search configuration and the
 * default locale — and the locale each self-service login reads in. A
 * customer's searches and suggestions are always in one locale: the one
 * they ask for, else their chosen one, else the tenant default. Staff search
 * every locale unless they name one.
 */
/** A new tenant's row (the schema's default language and locale); an admin's choice is never overwritten. */
export async function createDefaultKnowledgeSettings(em: EntityManager, tenantId: string): Promise<void> {
  await em.query(`INSERT INTO knowledge_settings (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`, [tenantId]);
}

@Injectable()
export class KnowledgeSettings {
  constructor(private readonly db: ServiceDatabase) {}

  /** The tenant's text-search configuration for new versions and queries, e.g. 'english', 'german', 'simple'. */
  async setLanguage(principal: Principal, language: string): Promise<string> {
    requireServiceAdmin(principal);
    const name = validate.requiredText('language', language, 63).toLowerCase();
    return this.db.withTenant(principal.tenantId, async (em) => {
      const known: unknown[] = await em.query(`SELECT 1 FROM pg_ts_config WHERE cfgname = $1`, [name]);
      if (known.length === 0) throw badUserInput('language', `${JSON.stringify(name)} is not a text-search configuration of this database`);
      await em.query(
        `INSERT INTO knowledge_settings (tenant_id, language) VALUES ($1, $2::regconfig)
         ON CONFLICT (tenant_id) DO UPDATE SET language = EXCLUDED.language`,
        [principal.tenantId, name],
      );
      return name;
    });
  }

  async language(principal: Principal): Promise<string> {
    return this.db.withTenant(principal.tenantId, (em) => this.languageOf(em));
  }

  async languageOf(em: EntityManager): Promise<string> {
    const rows: { language: string }[] = await em.query(`SELECT language::text AS language FROM knowledge_settings`);
    return rows[0]?.language ?? DEFAULT_LANGUAGE;
  }

  /** The locale customers read in when they have not chosen one. */
  async setDefaultLocale(principal: Principal, locale: string): Promise<string> {
    requireServiceAdmin(principal);
    const value = parseLocale('locale', locale);
    await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `INSERT INTO knowledge_settings (tenant_id, default_locale) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET default_locale = EXCLUDED.default_locale`,
        [principal.tenantId, value],
      ),
    );
    return value;
  }

  /** A customer chooses the locale they read and search in. */
  async setMyLocale(principal: Principal, locale: string): Promise<string> {
    if (principal.kind !== 'customer')
      throw forbidden('the reading locale is chosen by self-service customers; staff name a locale per search');
    const value = parseLocale('locale', locale);
    await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `INSERT INTO self_service_locales (tenant_id, login_id, locale, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (tenant_id, login_id) DO UPDATE SET locale = EXCLUDED.locale, updated_at = EXCLUDED.updated_at`,
        [principal.tenantId, principal.id, value],
      ),
    );
    return value;
  }

  /** The locale the caller's searches default to: a customer's own or the tenant's; for staff the tenant's. */
  async myLocale(principal: Principal): Promise<string> {
    requireKnowledgeRead(principal);
    return this.db.withTenant(principal.tenantId, async (em) => (await this.ownLocale(em, principal)) ?? (await this.defaultLocaleOf(em)));
  }

  /** The locale (lower case) a search or suggestion is restricted to, or null for all locales (staff only). */
  async searchLocale(em: EntityManager, principal: Principal, requested: string | null | undefined): Promise<string | null> {
    if (requested != null) return parseLocale('locale', requested).toLowerCase();
    if (principal.kind !== 'customer') return null;
    return ((await this.ownLocale(em, principal)) ?? (await this.defaultLocaleOf(em))).toLowerCase();
  }

  private async ownLocale(em: EntityManager, principal: Principal): Promise<string | null> {
    if (principal.kind !== 'customer') return null;
    const rows: { locale: string }[] = await em.query(`SELECT locale FROM self_service_locales WHERE login_id = $1`, [principal.id]);
    return rows[0]?.locale ?? null;
  }

  private async defaultLocaleOf(em: EntityManager): Promise<string> {
    const rows: { locale: string }[] = await em.query(`SELECT default_locale AS locale FROM knowledge_settings`);
    return rows[0]?.locale ?? DEFAULT_LOCALE;
  }
}

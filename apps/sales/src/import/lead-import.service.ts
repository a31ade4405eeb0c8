import { Injectable } from '@nestjs/common';
import type { Principal } from '@rapport/auth';
import { OwnerDirectory, ServiceDatabase } from '@rapport/service-kit';
import { LeadsService } from '../leads/leads.service';
import type { MappedRow } from './import-mapping';
import type { ImportOptions } from './import-options';
import { invalid, skip, type ImportRowResult } from './import-report';

/**
 * Leads: matched by email against existing leads (idempotent re-runs);
 * created one by one through the lead service, so scoring, assignment,
 * duplicate reporting and events are the same as for createLead.
 */
@Injectable()
export class LeadImportService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly leads: LeadsService,
    private readonly owners: OwnerDirectory,
  ) {}

  async importLeads(principal: Principal, mapped: (MappedRow | null)[], results: ImportRowResult[], options: ImportOptions): Promise<void> {
    const emails = mapped.map((m) => m?.lists.email?.[0]?.trim().toLowerCase() ?? null);
    const existing = await this.existingByEmail(principal, emails);
    // Once for the batch: each createLead below then finds fresh owners known, or refuses at once.
    await this.owners.awaitInFlight(
      principal,
      mapped.map((m) => m?.values.ownerId),
    );
    const seen = new Map<string, number>();
    for (let n = 0; n < mapped.length; n++) {
      const row = mapped[n];
      if (!row) continue;
      const email = emails[n];
      const r = results[n];
      if (email && existing.has(email)) {
        Object.assign(skip(r, 'ALREADY_EXISTS', `already exists as lead ${existing.get(email)}`), { id: existing.get(email) });
        continue;
      }
      if (email && seen.has(email)) {
        skip(r, 'DUPLICATE_IN_BATCH', `same lead as row ${results[seen.get(email) ?? n].rowNumber} of this batch`);
        continue;
      }
      try {
        const v = row.values;
        const { lead, duplicates } = await this.leads.create(principal, {
          firstName: v.firstName,
          lastName: v.lastName,
          company: v.company,
          email: row.lists.email?.[0],
          phone: row.lists.phone?.[0],
          source: v.source ?? options.source ?? 'import',
          ownerId: v.ownerId,
        });
        Object.assign(r, { status: 'CREATED', id: lead.id, code: duplicates.length ? 'POSSIBLE_DUPLICATE' : null });
        if (duplicates.length) r.reason = `possible duplicate of ${duplicates.map((d) => `${d.kind.toLowerCase()} ${d.id}`).join(', ')}`;
        if (email) seen.set(email, n);
      } catch (err) {
        invalid(r, err);
      }
    }
  }

  /** The oldest lead per (lower-cased) email among `emails`. */
  private async existingByEmail(principal: Principal, emails: (string | null)[]): Promise<Map<string, string>> {
    const existing = new Map<string, string>();
    const wanted = [...new Set(emails.filter((e): e is string => !!e))];
    if (wanted.length === 0) return existing;
    const rows: { id: string; email: string }[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT DISTINCT ON (lower(email)) id, lower(email) AS email FROM leads WHERE lower(email) = ANY($1::text[]) ORDER BY lower(email), created_at`,
        [wanted],
      ),
    );
    rows.forEach((r) => existing.set(r.email, r.id));
    return existing;
  }
}

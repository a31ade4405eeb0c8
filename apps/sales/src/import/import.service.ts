import { Injectable } from '@nestjs/common';
import { badUserInput, requireFieldAccess, type Principal } from '@rapport/auth';
import { describeAudit, validate, AccessPolicy } from '@rapport/service-kit';
import { requireWrite } from '../access/sales-access';
import { CustomerImportService } from './customer-import.service';
import { compileMapping, mapRow, MAX_IMPORT_ROWS, type MappedRow } from './import-mapping';
import type { ImportInput } from './import-options';
import { invalid, newRowResults, summarise, type ImportResult } from './import-report';
import { LeadImportService } from './lead-import.service';

export type { ImportDuplicatePolicy, ImportInput, ImportOptions } from './import-options';
export type { ImportResult, ImportRowResult, ImportStatus } from './import-report';

/**
 * Bulk import of contacts, accounts and leads from mapped CSV rows.
 * Rows are validated first (a bad row becomes INVALID and never touches the
 * others), then the batch is matched and inserted set-based in one
 * transaction; if the set-based insert fails (e.g. a concurrent clash), it is
 * retried row by row, each under its own savepoint. Re-running a batch creates
 * nothing: rows are matched by external id when that column is mapped, else by
 * email (contacts, leads) or by name/domain (accounts). Rows that match no
 * record are checked against the tenant's contact or account duplicate rules.
 */
@Injectable()
export class ImportService {
  constructor(
    private readonly access: AccessPolicy,
    private readonly customers: CustomerImportService,
    private readonly leads: LeadImportService,
  ) {}

  async importRecords(principal: Principal, input: ImportInput): Promise<ImportResult> {
    const kind = input.kind;
    if (kind === 'CONTACT' || kind === 'ACCOUNT') {
      const overrides = await this.access.overrides(principal);
      requireWrite(principal, kind === 'CONTACT' ? 'contacts' : 'accounts', overrides);
      // Imported rows carry emails, phones and addresses as a rule.
      requireFieldAccess(principal, 'CONTACT_DETAILS', 'WRITE', overrides);
    }
    const rows = validate.listOf('rows', input.rows, MAX_IMPORT_ROWS);
    const mapping = compileMapping(kind, input.header, input.mapping);
    const options = input.options ?? {};
    const externalIdSource = options.externalIdSource
      ? validate.requiredText('options.externalIdSource', options.externalIdSource, 50).toLowerCase()
      : null;
    if (mapping.fields.has('externalId') && !externalIdSource)
      throw badUserInput('options.externalIdSource', 'name the system the externalId column comes from');
    const results = newRowResults(rows.length, options.firstRowNumber ?? 1);
    const mapped: (MappedRow | null)[] = rows.map((row, i) => {
      try {
        return mapRow(mapping, input.header.length, row);
      } catch (err) {
        invalid(results[i], err);
        return null;
      }
    });

    if (kind === 'LEAD') await this.leads.importLeads(principal, mapped, results, options);
    else await this.customers.importCustomers(principal, kind, mapped, results, { ...options, externalIdSource });
    const summary = summarise(results);
    // One audit entry per batch, with its counts (the rows' own ids are in the answer, not the log).
    describeAudit({
      objectType: 'Import',
      objectId: null,
      details: {
        kind,
        rows: rows.length,
        created: summary.created,
        updated: summary.updated,
        skipped: summary.skipped,
        invalid: summary.invalid,
      },
    });
    return summary;
  }
}

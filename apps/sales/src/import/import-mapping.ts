import { badUserInput } from '@rapport/auth';

export type ImportKind = 'CONTACT' | 'ACCOUNT' | 'LEAD';

/**
 * Fields a CSV column can map to, per kind. `email`/`phone`/`tag` may be
 * mapped from several columns (values are appended); `tags` splits on `;` or
 * `,`; `street`…`country` build one address of `options.addressKind`;
 * `externalId` is the key in `options.externalIdSource`.
 */
export const IMPORT_FIELDS: Record<ImportKind, readonly string[]> = {
  CONTACT: [
    'firstName',
    'lastName',
    'email',
    'phone',
    'accountName',
    'accountId',
    'ownerId',
    'externalId',
    'source',
    'tags',
    'street',
    'city',
    'postalCode',
    'region',
    'country',
  ],
  ACCOUNT: ['name', 'domain', 'industry', 'ownerId', 'externalId', 'source', 'tags', 'street', 'city', 'postalCode', 'region', 'country'],
  LEAD: ['firstName', 'lastName', 'company', 'email', 'phone', 'source', 'ownerId'],
};

const MULTI = new Set(['email', 'phone', 'tags']);
export const MAX_IMPORT_ROWS = 1000;

export interface ColumnMapping {
  column: string;
  field: string;
}

/** A mapped row: single fields as text (blank → absent), multi fields as lists. */
export interface MappedRow {
  values: Record<string, string>;
  lists: Record<string, string[]>;
}

export interface CompiledMapping {
  kind: ImportKind;
  /** [index in the row, field] */
  columns: [number, string][];
  fields: Set<string>;
}

/** Checks the mapping against the kind's fields and the header; returns column positions. */
export function compileMapping(kind: ImportKind, header: string[], mapping: ColumnMapping[]): CompiledMapping {
  const allowed = IMPORT_FIELDS[kind];
  if (!allowed) throw badUserInput('kind', 'must be CONTACT, ACCOUNT or LEAD');
  if (mapping.length === 0) throw badUserInput('mapping', 'map at least one column');
  const seenColumns = new Set<string>();
  const fields = new Set<string>();
  const columns: [number, string][] = mapping.map((m, i) => {
    if (!allowed.includes(m.field))
      throw badUserInput(`mapping[${i}].field`, `${JSON.stringify(m.field)} is not a ${kind} field; use one of ${allowed.join(', ')}`);
    const index = header.indexOf(m.column);
    if (index < 0) throw badUserInput(`mapping[${i}].column`, `no column ${JSON.stringify(m.column)} in the header`);
    if (seenColumns.has(m.column)) throw badUserInput(`mapping[${i}].column`, `column ${JSON.stringify(m.column)} is mapped twice`);
    seenColumns.add(m.column);
    if (fields.has(m.field) && !MULTI.has(m.field)) throw badUserInput(`mapping[${i}].field`, `${m.field} is mapped from two columns`);
    fields.add(m.field);
    return [index, m.field];
  });
  const required = kind === 'ACCOUNT' ? 'name' : 'lastName';
  if (!fields.has(required)) throw badUserInput('mapping', `map a column to ${required}`);
  return { kind, columns, fields };
}

/** Applies the mapping to one row; a row of the wrong width is reported, not guessed at. */
export function mapRow(mapping: CompiledMapping, headerWidth: number, row: string[]): MappedRow {
  if (row.length !== headerWidth) throw badUserInput('row', `has ${row.length} columns, the header ${headerWidth}`);
  const values: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  for (const [index, field] of mapping.columns) {
    const raw = row[index].trim();
    if (raw === '') continue;
    if (field === 'tags')
      (lists.tags ??= []).push(
        ...raw
          .split(/[;,]/)
          .map((t) => t.trim())
          .filter(Boolean),
      );
    else if (MULTI.has(field)) (lists[field] ??= []).push(raw);
    else values[field] = raw;
  }
  return { values, lists };
}

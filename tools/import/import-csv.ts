/**
 * Bulk import of contacts, accounts or leads from a CSV file through the
 * gateway. Streams the file, sends batches to `importRecords`,
 * prints a summary and the rate, and optionally writes the per-row report.
 *
 *   node -r @swc-node/register tools/import/import-csv.ts contacts.csv --kind CONTACT \
 *     --map "First name=firstName,Last name=lastName,E-mail=email,Customer no=externalId" \
 *     --external-id-source erp [--policy WARN|BLOCK|ALLOW|MERGE_INTO_EXISTING] [--batch 1000] \
 *     [--url http://localhost:4000/graphql] [--report report.csv]
 *
 * Auth: RAPPORT_TOKEN (a bearer token, used as given), or --tenant/--email/--password to log in;
 * a login is refreshed as the access token nears expiry, so imports may run longer than one token.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { CsvParser, csvField } from './csv';
import {
  createRapportClient,
  ImportRecordsDocument,
  type ImportDuplicatePolicy,
  type ImportKind,
  type RapportClientOptions,
} from '@rapport/sdk';
import { connectionFromFlags } from './connection';
import { IMPORT_CSV_USAGE, wantsHelp } from './usage';

export type ImportCliOptions = RapportClientOptions & {
  file: string;
  kind: ImportKind;
  mapping: { column: string; field: string }[];
  batchSize: number;
  policy?: string;
  externalIdSource?: string;
  source?: string;
  report?: string;
};

export interface ImportSummary {
  rows: number;
  created: number;
  updated: number;
  skipped: number;
  invalid: number;
  seconds: number;
  rowsPerSecond: number;
}

/** "Column=field,Other column=field" → mapping entries (a column name may contain spaces, not = or ,). */
export function parseMappingArg(arg: string): { column: string; field: string }[] {
  return arg
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.lastIndexOf('=');
      if (at <= 0 || at === pair.length - 1) throw new Error(`--map: "${pair}" is not column=field`);
      return { column: pair.slice(0, at).trim(), field: pair.slice(at + 1).trim() };
    });
}

export async function runImport(opts: ImportCliOptions, log: (line: string) => void = console.log): Promise<ImportSummary> {
  // The SDK keeps a login alive past one access token and waits out rate limits.
  const client = createRapportClient(opts);
  const report: WriteStream | null = opts.report ? createWriteStream(opts.report) : null;
  report?.write('row,status,id,code,field,reason\n');

  const totals = { rows: 0, created: 0, updated: 0, skipped: 0, invalid: 0 };
  const started = process.hrtime.bigint();
  let header: string[] | null = null;
  let batch: string[][] = [];
  let nextRow = 1;

  const send = async () => {
    if (batch.length === 0 || !header) return;
    const rows = batch;
    batch = [];
    const first = nextRow;
    nextRow += rows.length;
    const options = {
      firstRowNumber: first,
      ...(opts.policy ? { duplicatePolicy: opts.policy as ImportDuplicatePolicy } : {}),
      ...(opts.externalIdSource ? { externalIdSource: opts.externalIdSource } : {}),
      ...(opts.source ? { source: opts.source } : {}),
    };
    // Re-sending a batch after a token renewal is safe: an import never creates a record twice.
    const data = await client.request(ImportRecordsDocument, { input: { kind: opts.kind, mapping: opts.mapping, header, rows, options } });
    const r = data.importRecords;
    totals.rows += rows.length;
    totals.created += r.created;
    totals.updated += r.updated;
    totals.skipped += r.skipped;
    totals.invalid += r.invalid;
    for (const row of r.rows) {
      report?.write(
        [String(row.rowNumber), row.status, row.id ?? '', row.code ?? '', row.field ?? '', row.reason ?? ''].map(csvField).join(',') + '\n',
      );
    }
    log(`rows ${first}–${first + rows.length - 1}: ${r.created} created, ${r.updated} updated, ${r.skipped} skipped, ${r.invalid} invalid`);
  };

  const parser = new CsvParser();
  const take = async (records: string[][]) => {
    for (const record of records) {
      if (!header) {
        header = record.map((h) => h.trim());
        continue;
      }
      batch.push(record);
      if (batch.length >= opts.batchSize) await send();
    }
  };
  for await (const chunk of createReadStream(opts.file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    await take(parser.push(chunk as string));
  }
  await take(parser.end());
  await send();
  await new Promise<void>((resolve) => (report ? report.end(resolve) : resolve()));

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { ...totals, seconds, rowsPerSecond: totals.rows / seconds };
}

/** --name value pairs (and --name=value). */
export function parseArgs(argv: string[]): { positional: string[]; flags: Record<string, string> } {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
    else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`${a} needs a value`);
      flags[a.slice(2)] = value;
      i++;
    }
  }
  return { positional, flags };
}

export function optionsFromArgs(argv: string[], env: NodeJS.ProcessEnv): ImportCliOptions {
  const { positional, flags } = parseArgs(argv);
  if (positional.length !== 1) throw new Error('usage: import-csv <file.csv> --kind CONTACT|ACCOUNT|LEAD --map "Column=field,…" [options]');
  const kind = (flags.kind ?? 'CONTACT').toUpperCase();
  if (kind !== 'CONTACT' && kind !== 'ACCOUNT' && kind !== 'LEAD') throw new Error('--kind must be CONTACT, ACCOUNT or LEAD');
  if (!flags.map) throw new Error('--map "Column=field,…" is required');
  const batchSize = Number(flags.batch ?? 1000);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) throw new Error('--batch must be 1–1000');
  return {
    file: positional[0],
    kind,
    mapping: parseMappingArg(flags.map),
    ...connectionFromFlags(flags, env),
    batchSize,
    policy: flags.policy?.toUpperCase(),
    externalIdSource: flags['external-id-source'],
    source: flags.source,
    report: flags.report,
  };
}

if (require.main === module) {
  (async () => {
    if (wantsHelp(process.argv.slice(2))) return console.log(IMPORT_CSV_USAGE);
    const opts = optionsFromArgs(process.argv.slice(2), process.env);
    const s = await runImport(opts);
    console.log(
      `${s.rows} rows in ${s.seconds.toFixed(1)} s (${Math.round(s.rowsPerSecond)} rows/s): ` +
        `${s.created} created, ${s.updated} updated, ${s.skipped} skipped, ${s.invalid} invalid`,
    );
    if (s.invalid > 0) process.exitCode = 2;
  })().catch((err: Error) => {
    console.error(`import failed: ${err.message}\n(import-csv --help for usage)`);
    process.exitCode = 1;
  });
}

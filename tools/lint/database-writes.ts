import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** One SQL statement in a service's source that writes a table. */
export interface SqlWrite {
  service: string;
  /** The feature folder under the service's src/ (e.g. `cases`, `routing`). */
  feature: string;
  table: string;
  file: string;
  line: number;
}

const WRITE = /\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([a-z_][a-z0-9_]*)"?(?=[\s(])/gi;

/**
 * The tables a piece of source writes with SQL, by line. An `UPDATE` counts
 * only when a `SET` follows (English prose and `DO UPDATE SET` of an upsert
 * are not writes of another table).
 */
export function sqlWritesIn(source: string): { table: string; line: number }[] {
  const found: { table: string; line: number }[] = [];
  for (const match of source.matchAll(WRITE)) {
    const verb = match[1].split(/\s+/)[0].toUpperCase();
    const table = match[2].toLowerCase();
    const after = source.slice((match.index ?? 0) + match[0].length);
    // The table, an optional alias, then SET: anything else is prose or an upsert's DO UPDATE SET.
    if (verb === 'UPDATE' && (table === 'set' || !/^\s+(?:(?:AS\s+)?[a-z_]\w*\s+)?SET\b/i.test(after))) continue;
    found.push({ table, line: source.slice(0, match.index).split('\n').length });
  }
  return found;
}

const ENTITY = /@Entity\(\s*(?:\{\s*name:\s*)?'([a-z_][a-z0-9_]*)'[^)]*\)\s*export\s+class\s+(\w+)/g;
const REPOSITORY_WRITE = /getRepository\((\w+)\)\s*\.(insert|update|delete|save|upsert|remove)\(/g;

/** TypeORM entity classes declared in a piece of source, with their tables. */
export function entitiesIn(source: string): Map<string, string> {
  return new Map([...source.matchAll(ENTITY)].map((m) => [m[2], m[1]]));
}

/** The tables a piece of source writes through a TypeORM repository (`getRepository(Entity).insert(…)`). */
export function repositoryWritesIn(source: string, tableOf: Map<string, string>): { table: string; line: number }[] {
  const found: { table: string; line: number }[] = [];
  for (const match of source.matchAll(REPOSITORY_WRITE)) {
    const table = tableOf.get(match[1]);
    if (table) found.push({ table, line: source.slice(0, match.index).split('\n').length });
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'migrations' && name !== '__tests__') files.push(...sourceFiles(path));
    } else if (name.endsWith('.ts') && !/\.(integration-)?spec\.ts$/.test(name)) files.push(path);
  }
  return files;
}

/** Every write, in SQL or through a repository, in the services' production code (migrations and tests left out). */
export function sqlWritesOfServices(root: string): SqlWrite[] {
  const writes: SqlWrite[] = [];
  for (const service of readdirSync(join(root, 'apps'))) {
    const src = join(root, 'apps', service, 'src');
    if (!statSync(join(root, 'apps', service)).isDirectory()) continue;
    let files: string[];
    try {
      files = sourceFiles(src);
    } catch {
      continue;
    }
    const sources = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
    const tableOf = new Map([...sources.values()].flatMap((source) => [...entitiesIn(source)]));
    for (const [file, source] of sources) {
      const feature = relative(src, file).split(sep)[0];
      for (const { table, line } of [...sqlWritesIn(source), ...repositoryWritesIn(source, tableOf)]) {
        writes.push({ service, feature: feature.endsWith('.ts') ? '(root)' : feature, table, file: relative(root, file), line });
      }
    }
  }
  return writes;
}

/**
 * The writes that break the rule of docs/adr/040-one-way-to-reach-the-database.md:
 * a table written by more than one feature must have its owner declared, and
 * only the owner (or the service's erasure, `privacy/`) writes it.
 */
export function writesOutsideTheOwner(
  writes: SqlWrite[],
  owners: Record<string, Record<string, string>>,
  exempt: readonly string[],
): { problems: string[]; crossings: Set<string> } {
  const byTable = new Map<string, SqlWrite[]>();
  for (const w of writes) {
    if (exempt.includes(w.feature)) continue;
    const key = `${w.service}.${w.table}`;
    byTable.set(key, [...(byTable.get(key) ?? []), w]);
  }
  const problems: string[] = [];
  const crossings = new Set<string>();
  for (const [key, tableWrites] of byTable) {
    const [service, table] = key.split('.');
    const features = new Set(tableWrites.map((w) => w.feature));
    const owner = owners[service]?.[table];
    if (!owner) {
      if (features.size > 1) problems.push(`${key} is written by ${[...features].join(', ')}: declare its owning feature`);
      continue;
    }
    for (const w of tableWrites) if (w.feature !== owner) crossings.add(`${key} <- ${w.feature}`);
  }
  return { problems, crossings };
}

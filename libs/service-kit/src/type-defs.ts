import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Concatenates the `.graphql` files of a service's source tree (sorted by
 * path, so the result is stable). The SDL files are the reviewed contract;
 * the build copies them next to the compiled code.
 */
export function loadTypeDefs(rootDir: string): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.graphql')) files.push(path);
    }
  };
  walk(rootDir);
  if (files.length === 0) throw new Error(`no .graphql files under ${rootDir}`);
  return files
    .sort()
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}

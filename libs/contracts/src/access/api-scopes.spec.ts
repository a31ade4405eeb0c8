import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { API_SCOPE_RESOURCES, API_SCOPES, unknownApiScopes } from './api-scopes';
import { DEFAULT_FIELD_ACCESS, FIELD_GROUP_SCOPE, FIELD_GROUPS } from './field-access';

const ROOT = join(__dirname, '..', '..', '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'migrations' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('spec.ts') ? [path] : [];
  });
}

/** Every resource a service checks a key's scope for: literal scopes, owned-record scopes and the partner's field groups. */
function checkedResources(): Set<string> {
  const found = new Set<string>();
  for (const file of [...sourceFiles(join(ROOT, 'apps')), ...sourceFiles(join(ROOT, 'libs'))]) {
    if (file.endsWith('api-scopes.ts')) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/['`]([a-z]+):(read|write)['`]/g)) found.add(m[1]);
  }
  // Scopes built from a record name: sales' owned-record checks (`${record}:write`) and
  // the customer master's PROFILE checks, where the record stands in for the group's scope.
  for (const record of ['leads', 'opportunities', 'accounts', 'contacts']) found.add(record);
  for (const group of FIELD_GROUPS) if (DEFAULT_FIELD_ACCESS.partner[group] !== 'NONE') found.add(FIELD_GROUP_SCOPE[group]);
  return found;
}

describe('the API-scope catalogue', () => {
  it('lists exactly the resources the services check, each readable and writable', () => {
    expect(Object.keys(API_SCOPE_RESOURCES).sort()).toEqual([...checkedResources()].sort());
    expect(API_SCOPES).toHaveLength(2 * Object.keys(API_SCOPE_RESOURCES).length);
    expect(API_SCOPES).toContainEqual(expect.objectContaining({ name: 'contacts:write', resource: 'contacts', access: 'write' }));
  });

  it('names the scopes it does not know', () => {
    expect(unknownApiScopes(['contacts:read', 'everything:write', 'contact:write', 'audit:read'])).toEqual([
      'everything:write',
      'contact:write',
      'audit:read',
    ]);
    expect(unknownApiScopes(API_SCOPES.map((s) => s.name))).toEqual([]);
  });
});

// Finding a rule's field in the catalog: plain names, and `<prefix><key>`
// names of json families with their key checked.

import type { ResolvedField } from './checked-rule';
import type { FieldCatalog } from './field-catalog';
import { closest, didYouMean, quote } from './suggest';

const KEY = /^[A-Za-z0-9_]{1,64}$/;
const MAX_PATH_SEGMENTS = 8;

export type Lookup = { field: ResolvedField } | { error: 'unknown' | 'badKey'; message: string };

/** Resolves a field name; never indexes an object by user text (a Map and a prefix list only). */
export function lookupField(name: string, catalog: FieldCatalog): Lookup {
  const def = catalog.fields.get(name);
  if (def) return { field: { name, def } };
  const family = catalog.families.find((f) => name.startsWith(f.prefix));
  if (family) {
    const key = name.slice(family.prefix.length);
    const parts = family.keyStyle === 'path' ? key.split('.') : [key];
    if (parts.length > MAX_PATH_SEGMENTS)
      return { error: 'badKey', message: `${family.prefix}… paths have at most ${MAX_PATH_SEGMENTS} parts` };
    if (!parts.every((part) => KEY.test(part))) {
      const what = family.keyStyle === 'path' ? 'each part of the path' : 'the key';
      return { error: 'badKey', message: `in ${quote(name)}, ${what} after "${family.prefix}" must be 1–64 letters, digits or _` };
    }
    return { field: { name, def: family, key } };
  }
  return { error: 'unknown', message: `unknown field ${quote(name)}${didYouMean(suggestField(name, catalog))}` };
}

function suggestField(name: string, catalog: FieldCatalog): string | undefined {
  const dot = name.indexOf('.');
  if (dot > 0) {
    // "attribute.offer_sent" → "attributes.offer_sent"
    const prefix = closest(
      name.slice(0, dot + 1),
      catalog.families.map((f) => f.prefix),
    );
    if (prefix) return prefix + name.slice(dot + 1);
  }
  const aliases = new Map<string, string>();
  for (const [field, def] of catalog.fields) for (const alias of def.aliases ?? []) aliases.set(alias, field);
  return closest(name, catalog.fields.keys(), aliases);
}

/** A tenant as `npm run tenant -- list` shows it. */
export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  disabledAt: Date | null;
  createdAt: Date;
}

/** An aligned table, header first; one line saying so when there are none. */
export function tenantTable(tenants: readonly TenantRow[]): string[] {
  if (tenants.length === 0) return ['no tenants'];
  const rows = [
    ['SLUG', 'NAME', 'STATUS', 'ID', 'CREATED'],
    ...tenants.map((t) => [t.slug, t.name, t.disabledAt ? 'disabled' : 'enabled', t.id, t.createdAt.toISOString()]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '));
}

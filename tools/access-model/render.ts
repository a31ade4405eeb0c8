import {
  CONTACT_FIELD_GROUPS,
  DEFAULT_FIELD_ACCESS,
  DEFAULT_SHARING,
  FIELD_GROUP_DESCRIPTIONS,
  FIELD_GROUP_SCOPE,
  FIELD_GROUPS,
  ROLES,
  SHARED_OBJECTS,
  type AccessLevel,
} from '@rapport/contracts';

export const MATRIX_START = '<!-- generated from libs/contracts/src/access (npm run access-model): start -->';
export const MATRIX_END = '<!-- generated: end -->';

const CELL: Record<AccessLevel, string> = { NONE: '—', READ: 'read', WRITE: 'write' };

/** A Markdown table padded the way Prettier formats it, so `npm run format` leaves it as generated. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The generated part of docs/security/access-model.md: the matrices exactly as the code has them. */
export function renderAccessModel(): string {
  const groups = table(
    ['field group', 'covers', 'fields on `Contact`', 'API-key scope'],
    FIELD_GROUPS.map((g) => [
      `\`${g}\``,
      FIELD_GROUP_DESCRIPTIONS[g],
      Object.entries(CONTACT_FIELD_GROUPS)
        .filter(([, group]) => group === g)
        .map(([field]) => `\`${field}\``)
        .join(', ') || '—',
      `\`${FIELD_GROUP_SCOPE[g]}:read\` / \`:write\``,
    ]),
  );
  const matrix = table(
    ['field group', ...ROLES.map((r) => `\`${r}\``)],
    FIELD_GROUPS.map((g) => [`\`${g}\``, ...ROLES.map((r) => CELL[DEFAULT_FIELD_ACCESS[r][g]])]),
  );
  const sharing = table(
    ['object', 'default sharing'],
    SHARED_OBJECTS.map((o) => [`\`${o}\``, `\`${DEFAULT_SHARING[o]}\``]),
  );
  return [
    MATRIX_START,
    '',
    '### Field groups',
    '',
    groups,
    '',
    '### Built-in access per role (the most a tenant can grant)',
    '',
    matrix,
    '',
    '### Default sharing',
    '',
    sharing,
    '',
    MATRIX_END,
  ].join('\n');
}

/** The document with its generated part replaced by the current rendering. */
export function withRenderedMatrix(document: string): string {
  const start = document.indexOf(MATRIX_START);
  const end = document.indexOf(MATRIX_END);
  if (start < 0 || end < start) throw new Error('access-model.md lacks the generated-section markers');
  return document.slice(0, start) + renderAccessModel() + document.slice(end + MATRIX_END.length);
}

// "Did you mean …?" for unknown fields, operators and enum values.

const MAX_COMPARED_LENGTH = 64;

/** Edit distance (insert, delete, substitute, swap of neighbours), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows: number[][] = [];
  for (let i = 0; i <= s.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= t.length; j++) {
      if (i === 0) {
        rows[0].push(j);
        continue;
      }
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i].push(d);
    }
  }
  return rows[s.length][t.length];
}

/**
 * The closest candidate within a third of the word's length (at least 2
 * edits), or undefined. `aliases` maps other names people use to a candidate.
 */
export function closest(word: string, candidates: Iterable<string>, aliases: ReadonlyMap<string, string> = new Map()): string | undefined {
  if (word.length === 0 || word.length > MAX_COMPARED_LENGTH) return undefined;
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: { name: string; distance: number } | undefined;
  const consider = (name: string, target: string) => {
    const distance = editDistance(word, name);
    if (distance <= limit && (!best || distance < best.distance)) best = { name: target, distance };
  };
  for (const candidate of candidates) consider(candidate, candidate);
  for (const [alias, target] of aliases) consider(alias, target);
  return best?.name;
}

/** A user's text inside an error message: quoted, and cut short so a huge value cannot bloat the error. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

export function didYouMean(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : ` (did you mean ${quote(suggestion)}?)`;
}

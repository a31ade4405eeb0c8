/** Words too common to tell articles apart (English and the usual noise of support requests). */
const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have hello hi how i if in into is it its ' +
    'me my no not of on or our please so thanks thank that the their them then there these they this to too was we were ' +
    'what when where which who why will with would you your yes just any some get got also am after before again still'
  ).split(' '),
);

/**
 * The significant terms of a case's subject and description, for
 * `suggestedArticles`: letters and digits only (so nothing reaches the
 * query parser but plain words), lower-cased, at least 3 characters, no
 * stopwords, first occurrence order, at most `max`.
 */
export function significantTerms(text: string, max = 16): string[] {
  const seen = new Set<string>();
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (word.length < 3 || STOPWORDS.has(word) || seen.has(word)) continue;
    seen.add(word);
    if (seen.size === max) break;
  }
  return [...seen];
}

/** A `websearch_to_tsquery` text matching any of the terms ("a or b or c"); null when there is none. */
export function anyOf(terms: string[]): string | null {
  return terms.length === 0 ? null : terms.join(' or ');
}

/** Offset cursors for rank-ordered search pages (ranks are not unique keys, so keyset pages do not fit). */
export function encodeOffset(offset: number): string {
  return Buffer.from(`o:${offset}`, 'utf8').toString('base64url');
}

export function decodeOffset(cursor: string | null | undefined): number | null {
  if (cursor == null) return 0;
  const m = /^o:(\d{1,7})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : null;
}

// One spelling-insensitive form of enum values, so "At risk", "at_risk" and
// "at-risk" are the same segment and "Can't lose them" matches the key
// "cant-lose-them": lower case, spaces and underscores become hyphens,
// apostrophes go. The SQL form below does exactly the same to a column.

export function labelKey(text: string): string {
  return text.toLowerCase().replace(/[ _]/g, '-').replace(/['’]/g, '');
}

/** `labelKey` in SQL, for matching values of an enum whose options are not known. */
export function labelKeySql(column: string): string {
  return `translate(lower(${column}), ' _''’', '--')`;
}

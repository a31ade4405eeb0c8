import { badUserInput } from '@rapport/auth';

/** What to do with the records that belong to an account being deleted. */
export type RelatedRecordsAction = 'DETACH' | 'DELETE';

/**
 * An account's contacts and opportunities never go silently: when it has
 * some, the caller must say what happens to them. An opportunity always
 * belongs to an account, so it can only go with it (or be moved first).
 */
export function relatedRecordsPlan(
  counts: { contacts: number; opportunities: number },
  input: { contacts?: RelatedRecordsAction | null; opportunities?: RelatedRecordsAction | null },
): { contacts: RelatedRecordsAction | null; deleteOpportunities: boolean } {
  if (counts.contacts > 0 && !input.contacts) {
    throw badUserInput(
      'input.contacts',
      `the account has ${counts.contacts} contact(s): say DETACH to keep them without the account or DELETE to delete them with it`,
    );
  }
  if (counts.opportunities > 0 && !input.opportunities) {
    throw badUserInput(
      'input.opportunities',
      `the account has ${counts.opportunities} opportunit${counts.opportunities === 1 ? 'y' : 'ies'}: say DELETE to delete them with it, or move them to another account first`,
    );
  }
  if (counts.opportunities > 0 && input.opportunities === 'DETACH') {
    throw badUserInput('input.opportunities', 'an opportunity cannot be without an account: DELETE them with it, or move them first');
  }
  return {
    contacts: counts.contacts > 0 ? (input.contacts ?? null) : null,
    deleteOpportunities: counts.opportunities > 0,
  };
}

import { badUserInput } from '@rapport/auth';
import { InvalidCursorError, keysetPage, type KeysetPage, type KeysetPageRequest } from '@rapport/persistence';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/** keysetPage for API callers: a cursor this connection did not issue is BAD_USER_INPUT on `after`. */
export async function paginate<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  req: KeysetPageRequest & { cursorOf: (row: T) => [string | number, string] },
): Promise<KeysetPage<T>> {
  try {
    return await keysetPage(query, req);
  } catch (err) {
    if (err instanceof InvalidCursorError) throw badUserInput('after', err.message);
    throw err;
  }
}

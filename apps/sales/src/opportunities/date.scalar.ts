import { Scalar, type CustomScalar } from '@nestjs/graphql';
import { Kind, type ValueNode } from 'graphql';
import { isCalendarDate } from './calendar-date';

/**
 * Calendar dates (close dates) as YYYY-MM-DD strings: no time, no zone, so a
 * deal closing on the 31st stays on the 31st in every time zone. Invalid
 * input throws a plain TypeError, so the client's error names the argument
 * path (e.g. input.closeDate).
 */
@Scalar('Date')
export class CalendarDateScalar implements CustomScalar<string, string> {
  parseValue(value: unknown): string {
    if (!isCalendarDate(value)) throw new TypeError(`${JSON.stringify(value)} is not a date (YYYY-MM-DD)`);
    return value;
  }
  serialize(value: unknown): string {
    if (!isCalendarDate(value)) throw new TypeError(`Date cannot serialize ${String(value)}`);
    return value;
  }
  parseLiteral(ast: ValueNode): string {
    if (ast.kind !== Kind.STRING) throw new TypeError('expected a date string (YYYY-MM-DD)');
    return this.parseValue(ast.value);
  }
}

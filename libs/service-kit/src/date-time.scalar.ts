import { Scalar, type CustomScalar } from '@nestjs/graphql';
import { Kind, type ValueNode } from 'graphql';

/**
 * ISO-8601 UTC instants (ARCHITECTURE.md: "Times are ISO-8601 UTC"). Invalid
 * input throws a plain TypeError, so graphql-js names the variable or
 * argument path in the error and the client's BAD_USER_INPUT names its field.
 */
@Scalar('DateTime')
export class DateTimeScalar implements CustomScalar<string, Date> {
  parseValue(value: unknown): Date {
    return parseInstant(value);
  }
  serialize(value: unknown): string {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError(`DateTime cannot serialize ${String(value)}`);
    return date.toISOString();
  }
  parseLiteral(ast: ValueNode): Date {
    if (ast.kind !== Kind.STRING) throw new TypeError('expected an ISO-8601 string');
    return parseInstant(ast.value);
  }
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

function parseInstant(value: unknown): Date {
  const m = typeof value === 'string' ? INSTANT.exec(value) : null;
  if (!m) throw new TypeError(`${JSON.stringify(value)} is not an ISO-8601 date-time with time zone`);
  // JavaScript rolls 2026-02-30 over into March and takes hour 24; a client that sent them meant something else.
  if (!realCalendarDay(Number(m[1]), Number(m[2]), Number(m[3])) || !realClock(m.slice(4, 9))) {
    throw new TypeError(`${JSON.stringify(value)} is not a valid date and time`);
  }
  const date = new Date(value as string);
  if (Number.isNaN(date.getTime())) throw new TypeError(`${JSON.stringify(value)} is not a valid date`);
  return date;
}

/** Years 1–9999 (PostgreSQL has no year 0), and a day that exists in its month. */
function realCalendarDay(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const lastDay = new Date(Date.UTC(2000, month, 0));
  lastDay.setUTCFullYear(year, month, 0);
  return day <= lastDay.getUTCDate();
}

function realClock([hour, minute, second, offsetHours, offsetMinutes]: (string | undefined)[]): boolean {
  const within = (part: string | undefined, max: number) => part === undefined || Number(part) <= max;
  return within(hour, 23) && within(minute, 59) && within(second, 59) && within(offsetHours, 23) && within(offsetMinutes, 59);
}

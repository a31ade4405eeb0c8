import { Scalar, type CustomScalar } from '@nestjs/graphql';
import { Kind, type ValueNode } from 'graphql';
import { badUserInput } from '@rapport/auth';

/** ISO-8601 UTC instants (ARCHITECTURE.md: "Times are ISO-8601 UTC"). */
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
    if (ast.kind !== Kind.STRING) throw badUserInput('DateTime', 'expected an ISO-8601 string');
    return parseInstant(ast.value);
  }
}

function parseInstant(value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)) {
    throw badUserInput('DateTime', `${JSON.stringify(value)} is not an ISO-8601 date-time with time zone`);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw badUserInput('DateTime', `${JSON.stringify(value)} is not a valid date`);
  return date;
}

// Where compiled SQL gets its parameters: numbered placeholders with typed
// casts, the one event-data parameter and the journey entry time, and the
// filling of catalog templates ({ids}, {since}, …).

import type { DateContext } from './rule-dates';
import type { SqlParam } from './rule.types';

/** SQL types a parameter may be cast to; nothing else ever follows `::` after a placeholder. */
export type ParamCast =
  | 'text'
  | 'text[]'
  | 'integer'
  | 'integer[]'
  | 'numeric'
  | 'numeric[]'
  | 'double precision'
  | 'double precision[]'
  | 'boolean'
  | 'uuid'
  | 'uuid[]'
  | 'timestamptz'
  | 'jsonb';

export class SqlContext {
  readonly params: SqlParam[] = [];
  private eventPlaceholder?: string;
  private entryAtPlaceholder?: string;

  constructor(
    private readonly offset: number,
    readonly dates: DateContext,
    private readonly journey?: { event: Record<string, unknown>; entryAt: Date },
  ) {}

  /** A new placeholder for `value`, e.g. `$3::timestamptz`. */
  param(value: SqlParam, cast: ParamCast): string {
    this.params.push(value);
    return `$${this.offset + this.params.length}::${cast}`;
  }

  /** The triggering event's data: one jsonb parameter however often it is used. */
  event(): string {
    if (!this.journey) throw new Error('compileRule: event.* fields need options.journey (the triggering event)');
    this.eventPlaceholder ??= this.param(JSON.stringify(this.journey.event), 'jsonb');
    return this.eventPlaceholder;
  }

  /** When the contact entered the journey: one timestamptz parameter. */
  entryAt(): string {
    if (!this.journey) throw new Error('compileRule: ordersSinceEntry needs options.journey (the entry time)');
    this.entryAtPlaceholder ??= this.param(this.journey.entryAt.toISOString(), 'timestamptz');
    return this.entryAtPlaceholder;
  }
}

export type TemplateTokens = Readonly<Partial<Record<string, () => string>>>;

/** Replaces each {token} of a catalog template; a token without a value is a programming error. */
export function fillTemplate(template: string, tokens: TemplateTokens): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => {
    const value = Object.hasOwn(tokens, name) ? tokens[name] : undefined;
    if (!value) throw new Error(`compileRule: nothing to fill {${name}} with`);
    return value();
  });
}

/** LIKE pattern for a literal piece of text: the user's %, _ and \ match themselves. */
export function likePattern(text: string, where: 'contains' | 'startsWith' | 'endsWith'): string {
  const literal = text.replace(/[\\%_]/g, '\\$&');
  return where === 'contains' ? `%${literal}%` : where === 'startsWith' ? `${literal}%` : `%${literal}`;
}

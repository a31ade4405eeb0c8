import type { StreamDefinition } from '@rapport/contracts';

/**
 * Test runs share one NATS server, so every subject can carry a prefix and
 * every stream/durable a suffix. Production leaves both empty.
 */
export interface MessagingNaming {
  subjectPrefix: string;
  streamSuffix: string;
}

export function subjectFor(naming: MessagingNaming, eventType: string): string {
  return naming.subjectPrefix ? `${naming.subjectPrefix}.${eventType}` : eventType;
}

/** Inverse of subjectFor: the event type a (possibly prefixed) subject carries. */
export function eventTypeOf(naming: MessagingNaming, subject: string): string {
  const prefix = naming.subjectPrefix ? `${naming.subjectPrefix}.` : '';
  return prefix && subject.startsWith(prefix) ? subject.slice(prefix.length) : subject;
}

export function streamFor(naming: MessagingNaming, def: StreamDefinition): { name: string; subjects: string[] } {
  return {
    name: naming.streamSuffix ? `${def.name}_${naming.streamSuffix}` : def.name,
    subjects: def.subjects.map((s) => subjectFor(naming, s)),
  };
}

export function durableFor(naming: MessagingNaming, durable: string): string {
  return naming.streamSuffix ? `${durable}_${naming.streamSuffix}` : durable;
}

/** A key-value bucket's name, suffixed like streams and durables (test runs remove what carries their suffix). */
export function bucketFor(naming: MessagingNaming, bucket: string): string {
  return durableFor(naming, bucket);
}

/** NATS subject matching: `*` matches one token, `>` the rest. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/**
 * The narrowest single subject pattern that matches every subject any of
 * `patterns` matches: tokens all patterns share stay, tokens that differ
 * become `*`, and where the patterns' lengths differ (or one ends in `>`)
 * the rest becomes `>`. One pattern is what NATS < 2.10 can filter a
 * consumer on; it may also match subjects none of the patterns does, so a
 * consumer still checks each message's type.
 */
export function coveringSubject(patterns: readonly string[]): string {
  if (patterns.length === 0) throw new Error('coveringSubject needs at least one pattern');
  const split = patterns.map((p) => p.split('.'));
  const shortest = Math.min(...split.map((t) => t.length));
  const sameLength = split.every((t) => t.length === shortest);
  const cover: string[] = [];
  for (let i = 0; i < shortest; i++) {
    const tokens = split.map((t) => t[i]);
    // `>` needs at least one token here; so does a longer pattern at the shortest one's last position.
    if (tokens.includes('>') || (!sameLength && i === shortest - 1)) {
      cover.push('>');
      break;
    }
    cover.push(tokens.every((t) => t === tokens[0]) ? tokens[0] : '*');
  }
  return cover.join('.');
}

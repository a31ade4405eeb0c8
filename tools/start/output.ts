/**
 * Everything the launcher prints goes through here: its own notes under
 * [rapport], each child's lines under its name, all prefixes padded to one
 * width so a mixed stream from several services stays readable.
 */
import { formatLogLine, formatPrefix, paint, prefixColor, prefixLines, type Color } from './log-format';

export const LAUNCHER_NAME = 'rapport';

export class Printer {
  private readonly colors = new Map<string, Color>();

  constructor(
    private readonly out: NodeJS.WritableStream,
    readonly color: boolean,
    private readonly width: number,
  ) {}

  /** Fixes a source's prefix colour (services get theirs in list order). */
  register(source: string, index: number): void {
    this.colors.set(source, prefixColor(index));
  }

  /** A child's raw output line: pretty-printed when it is a JSON log line. */
  childLine(source: string, line: string): void {
    this.write(source, formatLogLine(line, { color: this.color }));
  }

  /** A line shown as-is under a source's prefix. */
  rawLine(source: string, line: string): void {
    this.write(source, line);
  }

  note(text: string): void {
    this.write(LAUNCHER_NAME, text);
  }

  ok(text: string): void {
    this.write(LAUNCHER_NAME, `${paint('✔', 'green', this.color)} ${text}`);
  }

  warn(text: string): void {
    this.write(LAUNCHER_NAME, `${paint('!', 'yellow', this.color)} ${text}`);
  }

  fail(text: string): void {
    this.write(LAUNCHER_NAME, `${paint('✖', 'red', this.color)} ${text}`);
  }

  /** Unprefixed text (the banner). */
  block(text: string): void {
    this.out.write(`${text}\n`);
  }

  private write(source: string, text: string): void {
    const prefix = formatPrefix(source, this.width, this.colors.get(source) ?? 'gray', this.color);
    this.out.write(`${prefixLines(prefix, text)}\n`);
  }
}

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function wantsColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

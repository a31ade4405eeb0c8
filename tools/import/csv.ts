/**
 * A small streaming RFC 4180 CSV parser: comma-separated fields, optional
 * double-quote quoting with "" as an escaped quote, CRLF or LF record ends
 * (line breaks inside quoted fields are kept). A UTF-8 byte-order mark at the
 * start is dropped. Feed chunks with push(); call end() for the last record.
 */
export class CsvParser {
  private field = '';
  private record: string[] = [];
  private quoted = false;
  /** Inside quotes; a quote seen at the end of a chunk is resolved by the next. */
  private inQuotes = false;
  private pendingQuote = false;
  private started = false;
  /** 1-based line of the record being read, for error messages. */
  line = 1;
  /** The line the record being read started on (a quoted field may span lines). */
  private startLine = 1;

  constructor(private readonly delimiter = ',') {}

  push(chunk: string): string[][] {
    return this.pushRecords(chunk).map((r) => r.fields);
  }

  end(): string[][] {
    return this.endRecords().map((r) => r.fields);
  }

  /** As push(), with the line each record starts on: what a report names for a person to find it. */
  pushRecords(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let i = 0;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
    }
    for (; i < chunk.length; i++) {
      const ch = chunk[i];
      if (this.pendingQuote) {
        this.pendingQuote = false;
        if (ch === '"') {
          this.field += '"';
          continue;
        }
        this.inQuotes = false;
      }
      if (this.inQuotes) {
        if (ch === '"') this.pendingQuote = true;
        else {
          if (ch === '\n') this.line++;
          this.field += ch;
        }
        continue;
      }
      if (ch === '"') {
        if (this.field.length > 0 || this.quoted) throw new Error(`CSV line ${this.line}: quote inside an unquoted field`);
        this.inQuotes = true;
        this.quoted = true;
      } else if (ch === this.delimiter) {
        this.endField();
      } else if (ch === '\n') {
        this.endRecord(out);
        this.line++;
        this.startLine = this.line;
      } else if (ch === '\r') {
        // CR of CRLF (a lone CR is dropped as well)
      } else {
        if (this.quoted) throw new Error(`CSV line ${this.line}: text after a closing quote`);
        this.field += ch;
      }
    }
    return out;
  }

  endRecords(): CsvRecord[] {
    if (this.pendingQuote) {
      this.pendingQuote = false;
      this.inQuotes = false;
    }
    if (this.inQuotes) throw new Error(`CSV line ${this.line}: unterminated quoted field`);
    const out: CsvRecord[] = [];
    if (this.field.length > 0 || this.quoted || this.record.length > 0) this.endRecord(out);
    return out;
  }

  private endField(): void {
    this.record.push(this.field);
    this.field = '';
    this.quoted = false;
  }

  private endRecord(out: CsvRecord[]): void {
    this.endField();
    // A blank line is no record.
    if (!(this.record.length === 1 && this.record[0] === '')) out.push({ fields: this.record, line: this.startLine });
    this.record = [];
  }
}

export interface CsvRecord {
  fields: string[];
  /** 1-based line of the file the record starts on. */
  line: number;
}

/** Parses a whole CSV text. */
export function parseCsv(text: string): string[][] {
  const p = new CsvParser();
  return [...p.push(text), ...p.end()];
}

/** Quotes a value for CSV output when needed. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

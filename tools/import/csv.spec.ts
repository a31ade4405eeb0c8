import { CsvParser, csvField, parseCsv } from './csv';
import { optionsFromArgs, parseMappingArg } from './import-csv';

describe('CSV parser (RFC 4180)', () => {
  it('parses plain, quoted, escaped and multi-line fields with CRLF or LF', () => {
    expect(parseCsv('a,b,c\r\n1,"two, too","say ""hi"""\n"multi\nline",,x\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', 'two, too', 'say "hi"'],
      ['multi\nline', '', 'x'],
    ]);
  });

  it('handles a missing final newline, blank lines, a BOM and empty quoted fields', () => {
    expect(parseCsv('\uFEFFh1,h2\n\n"",b')).toEqual([
      ['h1', 'h2'],
      ['', 'b'],
    ]);
  });

  it('gives the same records however the input is chunked', () => {
    const text = 'id,name\n1,"Ada ""the first"" Lovelace"\r\n2,"a,b"\n3,\n';
    const whole = parseCsv(text);
    for (let size = 1; size < text.length; size++) {
      const p = new CsvParser();
      const out: string[][] = [];
      for (let i = 0; i < text.length; i += size) out.push(...p.push(text.slice(i, i + size)));
      out.push(...p.end());
      expect(out).toEqual(whole);
    }
  });

  it('tells the line each record starts on, past blank lines and multi-line cells', () => {
    const p = new CsvParser();
    const text = 'id,note\n1,"two\nlines"\n\n2,x\r\n3,y';
    const records = [...p.pushRecords(text), ...p.endRecords()];
    expect(records.map((r) => [r.fields[0], r.line])).toEqual([
      ['id', 1],
      ['1', 2],
      ['2', 5],
      ['3', 6],
    ]);
  });

  it('refuses malformed quoting with the line number', () => {
    expect(() => parseCsv('a,b\n"open,x\n')).toThrow(/line 3: unterminated/);
    expect(() => parseCsv('a,b"c"\n')).toThrow(/line 1: quote inside an unquoted field/);
    expect(() => parseCsv('"a"b\n')).toThrow(/line 1: text after a closing quote/);
  });

  it('quotes output fields only when needed', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,"b"')).toBe('"a,""b"""');
  });
});

describe('import-csv arguments', () => {
  it('parses the mapping and options', () => {
    expect(parseMappingArg('First name=firstName, E-mail=email')).toEqual([
      { column: 'First name', field: 'firstName' },
      { column: 'E-mail', field: 'email' },
    ]);
    expect(() => parseMappingArg('nofield')).toThrow(/column=field/);
    const opts = optionsFromArgs(['x.csv', '--kind', 'contact', '--map', 'L=lastName', '--batch=500'], { RAPPORT_TOKEN: 't' });
    expect(opts).toMatchObject({ file: 'x.csv', kind: 'CONTACT', batchSize: 500, token: 't', url: 'http://localhost:4000/graphql' });
    expect(() => optionsFromArgs(['x.csv', '--map', 'L=lastName', '--batch', '5000'], {})).toThrow(/--batch/);
  });
});

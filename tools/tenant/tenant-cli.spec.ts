import { parseTenantArgs, passwordFromFile, UsageError } from './args';
import { tenantTable } from './render';

const CREATE = [
  'create',
  '--slug',
  'Acme',
  '--name',
  'Acme Inc',
  '--admin-email',
  'a@acme.test',
  '--admin-password-file',
  '/run/secrets/pw',
];

describe('tenant CLI arguments', () => {
  it('reads create with its options, lower-casing the slug and naming the admin by default', () => {
    expect(parseTenantArgs(CREATE)).toEqual({
      command: 'create',
      slug: 'acme',
      name: 'Acme Inc',
      adminEmail: 'a@acme.test',
      adminName: 'Administrator',
      adminPasswordFile: '/run/secrets/pw',
      json: false,
    });
    expect(parseTenantArgs([...CREATE, '--admin-name=Ada Admin', '--json'])).toMatchObject({ adminName: 'Ada Admin', json: true });
  });

  it('reads list, disable and enable', () => {
    expect(parseTenantArgs(['list'])).toEqual({ command: 'list', json: false });
    expect(parseTenantArgs(['list', '--json'])).toEqual({ command: 'list', json: true });
    expect(parseTenantArgs(['disable', '--slug', 'acme'])).toEqual({ command: 'disable', slug: 'acme' });
    expect(parseTenantArgs(['enable', '--slug=acme'])).toEqual({ command: 'enable', slug: 'acme' });
  });

  it.each([
    [[], 'a command is needed'],
    [['drop', '--slug', 'acme'], 'unknown command drop'],
    [['disable'], 'disable needs --slug'],
    [['disable', '--slug'], '--slug needs a value'],
    [['disable', '--slug', '--json'], '--slug needs a value'],
    [['disable', 'acme'], 'unexpected argument "acme"'],
    [['disable', '--slug', 'a'], 'must be 2–63 lower-case letters'],
    [['disable', '--slug', 'ac me'], 'must be 2–63 lower-case letters'],
    [['list', '--slug', 'acme'], 'list does not take --slug'],
    [['list', '--json=yes'], '--json takes no value'],
    [['disable', '--slug', 'acme', '--slug', 'other'], '--slug is given twice'],
    [CREATE.filter((a) => a !== '--name' && a !== 'Acme Inc'), 'create needs --name'],
    [CREATE.slice(0, -2), 'create needs --admin-password-file'],
    [CREATE.map((a) => (a === 'a@acme.test' ? 'not-an-email' : a)), 'is not an email address'],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseTenantArgs(argv)).toThrow(UsageError);
    expect(() => parseTenantArgs(argv)).toThrow(message);
  });

  it('never takes a password from the command line, and says where it goes instead', () => {
    for (const argv of [
      [...CREATE, '--admin-password', 'secret-secret'],
      [...CREATE, '--admin-password=secret-secret'],
      [...CREATE, '--password', 'secret-secret'],
    ]) {
      expect(() => parseTenantArgs(argv)).toThrow('put the password in a file and pass --admin-password-file PATH');
    }
  });
});

describe('the password file', () => {
  it('is the password, without the line break editors and echo leave', () => {
    expect(passwordFromFile('correct horse battery', 'pw')).toBe('correct horse battery');
    expect(passwordFromFile('correct horse battery\n', 'pw')).toBe('correct horse battery');
    expect(passwordFromFile('correct horse battery\r\n', 'pw')).toBe('correct horse battery');
    expect(passwordFromFile('  spaces count  ', 'pw')).toBe('  spaces count  ');
  });

  it('refuses an empty file and one with several lines, naming the file', () => {
    expect(() => passwordFromFile('', '/s/pw')).toThrow('the password file /s/pw is empty');
    expect(() => passwordFromFile('\n', '/s/pw')).toThrow('the password file /s/pw is empty');
    expect(() => passwordFromFile('one\ntwo\n', '/s/pw')).toThrow('/s/pw has more than one line');
  });
});

describe('tenant list', () => {
  it('is an aligned table with the status', () => {
    const createdAt = new Date('2026-12-06T10:00:00.000Z');
    expect(
      tenantTable([
        { id: 't-1', slug: 'acme', name: 'Acme', disabledAt: null, createdAt },
        { id: 't-2', slug: 'globex-corp', name: 'Globex', disabledAt: createdAt, createdAt },
      ]),
    ).toEqual([
      'SLUG         NAME    STATUS    ID   CREATED',
      'acme         Acme    enabled   t-1  2026-12-06T10:00:00.000Z',
      'globex-corp  Globex  disabled  t-2  2026-12-06T10:00:00.000Z',
    ]);
    expect(tenantTable([])).toEqual(['no tenants']);
  });
});

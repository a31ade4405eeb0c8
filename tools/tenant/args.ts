export type TenantCommand =
  | { command: 'create'; slug: string; name: string; adminEmail: string; adminName: string; adminPasswordFile: string; json: boolean }
  | { command: 'list'; json: boolean }
  | { command: 'disable' | 'enable'; slug: string };

import { UsageError } from '../cli/command-line';

export { UsageError };

export const USAGE = `npm run tenant -- <command>

  create  --slug SLUG --name NAME --admin-email EMAIL --admin-password-file PATH
          [--admin-name NAME] [--json]
                          create a tenant and its first admin (the password is read
                          from the file: a mounted secret, never the command line)
  list    [--json]        list tenants (slug, name, status, id, created)
  disable --slug SLUG     refuse the tenant's users and API keys everywhere within
                          seconds; its data stays
  enable  --slug SLUG     give a disabled tenant access again

Connects with DATABASE_URL (identity's database and runtime role: DB_SCHEMA_SUFFIX, DB_ROLE)
and NATS_URL (NATS_SUBJECT_PREFIX, NATS_STREAM_SUFFIX), as identity does, and
publishes what it changed through identity's outbox before it exits.`;

const OPTIONS: Record<TenantCommand['command'], readonly string[]> = {
  create: ['--slug', '--name', '--admin-email', '--admin-password-file', '--admin-name', '--json'],
  list: ['--json'],
  disable: ['--slug'],
  enable: ['--slug'],
};
const FLAGS = new Set(['--json']);

/** Reads the command line; throws UsageError naming what is wrong. */
export function parseTenantArgs(argv: readonly string[]): TenantCommand {
  const [command, ...rest] = argv;
  if (!command) throw new UsageError('a command is needed');
  if (!(command in OPTIONS)) throw new UsageError(`unknown command ${command}`);
  const allowed = OPTIONS[command as TenantCommand['command']];
  const values = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg];
    if (name === '--admin-password' || name === '--password') {
      // Command lines end up in shell history, `ps` and the Job spec.
      throw new UsageError(`${name} is not accepted: put the password in a file and pass --admin-password-file PATH`);
    }
    if (!name.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    if (!allowed.includes(name)) throw new UsageError(`${command} does not take ${name}`);
    if (values.has(name)) throw new UsageError(`${name} is given twice`);
    if (FLAGS.has(name)) {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      values.set(name, 'true');
      continue;
    }
    const value = inline ?? rest[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--')) || value.trim() === '') {
      throw new UsageError(`${name} needs a value`);
    }
    values.set(name, value);
  }
  const required = (name: string): string => {
    const value = values.get(name);
    if (value === undefined) throw new UsageError(`${command} needs ${name}`);
    return value;
  };
  const json = values.has('--json');
  switch (command) {
    case 'create': {
      const slug = validSlug(required('--slug'));
      const name = required('--name').trim();
      const adminEmail = required('--admin-email').trim();
      if (!/^[^\s@]+@[^\s@]+$/.test(adminEmail))
        throw new UsageError(`--admin-email ${JSON.stringify(adminEmail)} is not an email address`);
      const adminPasswordFile = required('--admin-password-file');
      return { command, slug, name, adminEmail, adminName: values.get('--admin-name')?.trim() ?? 'Administrator', adminPasswordFile, json };
    }
    case 'list':
      return { command, json };
    default:
      return { command: command as 'disable' | 'enable', slug: validSlug(required('--slug')) };
  }
}

/** The rule identity's tenants table enforces, checked here so the operator hears it before anything connects. */
function validSlug(raw: string): string {
  const slug = raw.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(slug)) {
    throw new UsageError(
      `--slug ${JSON.stringify(raw)} must be 2–63 lower-case letters, digits or dashes, starting with a letter or digit`,
    );
  }
  return slug;
}

/**
 * The password as the file holds it, without the line break an editor or
 * `echo` leaves at the end (a k8s Secret mounted as a file has none).
 */
export function passwordFromFile(content: string, path: string): string {
  const password = content.replace(/\r?\n$/, '');
  if (password.length === 0) throw new UsageError(`the password file ${path} is empty`);
  if (/[\r\n]/.test(password)) throw new UsageError(`the password file ${path} has more than one line; it must hold only the password`);
  return password;
}

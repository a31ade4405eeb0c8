/**
 * `npm run tenant -- create|list|disable|enable`: what operators do with
 * tenants, through identity's own domain code and outbox. Runs compiled,
 * from dist/, so it works in the identity image and as a k8s Job with only
 * DATABASE_URL and NATS_URL (k8s/jobs/create-tenant.yaml).
 */
import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { GraphQLError } from 'graphql';
import { openTenantAdmin, TenantAdminSetupError, type TenantAdmin } from '../../apps/identity/src/tenants/tenant-admin.context';
import { parseTenantArgs, passwordFromFile, USAGE, UsageError, type TenantCommand } from './args';
import { tenantTable } from './render';

/** Runs one command; resolves to the exit code. */
async function run(cmd: TenantCommand, print: (line: string) => void): Promise<number> {
  // Read before connecting: a missing secret is the operator's first mistake to hear about.
  const password = cmd.command === 'create' ? await readPassword(cmd.adminPasswordFile) : '';
  const admin: TenantAdmin = await openTenantAdmin();
  let code: number;
  try {
    code = await runWith(admin, cmd, password, print);
  } catch (err) {
    await closeAfterFailure(admin);
    throw err;
  }
  const published = await admin.close();
  if (published > 0) console.error(`published ${published} event(s) from identity's outbox`);
  return code;
}

/** Closing after a failed command must not hide why it failed: a second problem is reported beside it. */
async function closeAfterFailure(admin: TenantAdmin): Promise<void> {
  try {
    await admin.close();
  } catch (err) {
    console.error(`(also: ${(err as Error).message})`);
  }
}

async function runWith(admin: TenantAdmin, cmd: TenantCommand, password: string, print: (line: string) => void): Promise<number> {
  switch (cmd.command) {
    case 'create': {
      const { tenant, adminId } = await admin.provisioning.provision({
        slug: cmd.slug,
        name: cmd.name,
        admin: { email: cmd.adminEmail, displayName: cmd.adminName, password },
      });
      if (cmd.json) print(JSON.stringify({ id: tenant.id, slug: tenant.slug, name: tenant.name, adminId }));
      else print(`created tenant ${tenant.slug} (${tenant.id}) with admin ${cmd.adminEmail}`);
      return 0;
    }
    case 'list': {
      const tenants = await admin.provisioning.list();
      if (cmd.json) print(JSON.stringify(tenants.map((t) => ({ id: t.id, slug: t.slug, name: t.name, disabled: t.disabledAt !== null }))));
      else tenantTable(tenants).forEach((line) => print(line));
      return 0;
    }
    case 'disable':
    case 'enable': {
      const { tenant, changed } = await admin.provisioning[cmd.command](cmd.slug);
      print(changed ? `${cmd.command}d tenant ${tenant.slug}` : `tenant ${tenant.slug} was already ${cmd.command}d; nothing changed`);
      return 0;
    }
  }
}

async function readPassword(path: string): Promise<string> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --admin-password-file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return passwordFromFile(content, path);
}

/** Domain errors carry the API's code (CONFLICT, NOT_FOUND, BAD_USER_INPUT); say it with the message. */
function describe(err: unknown): string {
  if (err instanceof GraphQLError) return `${String(err.extensions.code ?? 'ERROR')}: ${err.message}`;
  return (err as Error).message ?? String(err);
}

async function main(): Promise<void> {
  let cmd: TenantCommand;
  try {
    cmd = parseTenantArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  try {
    process.exitCode = await run(cmd, (line) => console.log(line));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message);
      process.exitCode = 2;
      return;
    }
    console.error(`tenant ${cmd.command} failed: ${describe(err)}`);
    if (!(err instanceof GraphQLError) && !(err instanceof TenantAdminSetupError) && process.env.LOG_LEVEL === 'debug') console.error(err);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message ?? err);
  process.exitCode = 1;
});

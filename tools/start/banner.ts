/**
 * The "it works, here is how to use it" message printed once everything is
 * ready: where the GraphQL IDE is, the demo login, and a curl command that
 * can be pasted as-is.
 */
import { paint } from './log-format';

/** The first banner line; the integration test waits for it. */
export const BANNER_TITLE = 'Rapport is running';

export interface BannerInput {
  graphqlUrl: string;
  tenant: string;
  email: string;
  password: string;
  services: { name: string; url: string }[];
  /** Local endpoints for development (the inbound support address, the dev mailbox), one line each. */
  devEndpoints?: { label: string; value: string }[];
  color: boolean;
}

/** Single-quoted for POSIX shells: safe for any password. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** JSON.stringify yields a valid GraphQL string literal (same escapes), whatever the password holds. */
export function loginMutation(tenant: string, email: string, password: string): string {
  const s = JSON.stringify;
  return `mutation { login(input: { tenant: ${s(tenant)}, email: ${s(email)}, password: ${s(password)} }) { accessToken refreshToken } }`;
}

export function loginCurl(graphqlUrl: string, tenant: string, email: string, password: string): string {
  const body = JSON.stringify({ query: loginMutation(tenant, email, password) });
  return `curl -s ${graphqlUrl} -H 'content-type: application/json' -d ${shellQuote(body)}`;
}

export function banner(input: BannerInput): string {
  const { color } = input;
  const rule = paint('─'.repeat(72), 'dim', color);
  const label = (text: string) => paint(text.padEnd(20), 'bold', color);
  const width = Math.max(...input.services.map((s) => s.name.length));
  return [
    '',
    rule,
    `  ${paint(BANNER_TITLE, 'green', color)}`,
    '',
    `  ${label('GraphQL API + IDE')}${paint(input.graphqlUrl, 'cyan', color)}   (open it in a browser)`,
    `  ${label('Demo login')}tenant ${input.tenant}  ·  ${input.email}  ·  ${input.password}`,
    '',
    `  Log in from a shell (then send "Authorization: Bearer <accessToken>"):`,
    `    ${loginCurl(input.graphqlUrl, input.tenant, input.email, input.password)}`,
    '',
    `  ${label('Services')}${input.services.map((s) => `${s.name.padEnd(width)}  ${s.url}`).join(`\n  ${' '.repeat(20)}`)}`,
    '',
    ...(input.devEndpoints ?? []).map((e) => `  ${label(e.label)}${e.value}`),
    ...(input.devEndpoints?.length ? [''] : []),
    `  Press Ctrl-C to stop everything.`,
    rule,
    '',
  ].join('\n');
}

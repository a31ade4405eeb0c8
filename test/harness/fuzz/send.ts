import { CLIENT_ERROR_CODES } from '@rapport/auth';
import type { FuzzRequest } from './operations';

export interface FuzzOutcome {
  status: number;
  /** Parsed JSON body, or undefined when the answer was not JSON. */
  body: unknown;
  /** The first 2,000 characters of the raw answer. */
  text: string;
}

/** Sends one fuzz request as a client would (with Apollo's CSRF preflight header unless the kind is about its absence). */
export async function sendFuzzRequest(url: string, req: FuzzRequest, headers: Record<string, string>): Promise<FuzzOutcome> {
  const common = { 'apollo-require-preflight': 'true', ...headers };
  const res =
    req.method === 'GET'
      ? await fetch(`${url}?${new URLSearchParams(req.params ?? {}).toString()}`, { headers: common })
      : await fetch(url, { method: 'POST', headers: { 'content-type': req.contentType ?? 'application/json', ...common }, body: req.body });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text: text.slice(0, 2000) };
}

interface ErrorLike {
  message?: string;
  extensions?: { code?: unknown; service?: unknown };
}

/** Every GraphQL error in an answer (a batch answers with an array of results). */
export function errorsOf(body: unknown): ErrorLike[] {
  if (Array.isArray(body)) return body.flatMap(errorsOf);
  if (body && typeof body === 'object' && Array.isArray((body as { errors?: unknown }).errors))
    return (body as { errors: ErrorLike[] }).errors;
  return [];
}

/**
 * Codes that mean the server, not the caller, failed: an internal error, or a
 * subgraph that answered 5xx or not at all (the gateway's SERVICE_UNAVAILABLE).
 */
const SERVER_FAULTS = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE']);
/** Every code a client may be told (ARCHITECTURE.md "API conventions", ADR 017's 413 from the body parser). */
const VOCABULARY = new Set([...CLIENT_ERROR_CODES, 'PAYLOAD_TOO_LARGE']);

/** What is wrong with an answer to hostile input; empty when it was refused or served properly. */
export function faultsOf(outcome: FuzzOutcome): string[] {
  const faults: string[] = [];
  if (outcome.status >= 500) faults.push(`HTTP ${outcome.status}: ${outcome.text.slice(0, 300)}`);
  for (const e of errorsOf(outcome.body)) {
    const code = e.extensions?.code;
    if (typeof code === 'string' && SERVER_FAULTS.has(code)) faults.push(`${code}: ${e.message ?? ''}`);
    else if (typeof code !== 'string' || !VOCABULARY.has(code))
      faults.push(`code ${String(code)} is not in the API's vocabulary: ${e.message ?? ''}`);
  }
  return faults;
}

/** True when the request was refused outright: errors and no data for any root field. */
export function wasRejected(outcome: FuzzOutcome): boolean {
  const body = outcome.body as { data?: Record<string, unknown> | null } | undefined;
  if (errorsOf(outcome.body).length === 0 && outcome.status < 400) return false;
  const data = body && !Array.isArray(body) ? body.data : undefined;
  return data == null || Object.values(data).every((v) => v == null);
}

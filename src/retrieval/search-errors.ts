// Turns what the Azure AI Search SDK throws into BotError("datasource_error") with a failure kind
// (the user's sentence and the metric label) and a hint for the operator's log line. Pure.

import type { SearchAuth } from "../datasources/index.js";
import { BotError, isBotError, type SearchFailureKind } from "../errors.js";
import { scrub } from "../redact.js";

export interface SearchErrorContext {
  /** What was being read: `index "hr-docs"`, `knowledge base "policies"`. */
  target: string;
  endpoint: string;
  auth: SearchAuth;
  timeoutMs: number;
  /** The variables (or file fields) that configure the source, named in hints. */
  configuredBy: string;
}

/** Longest slice of the service's own message kept in ours. */
const MAX_UPSTREAM_CHARS = 300;

export const SEARCH_READER_ROLE_HINT =
  'the bot\'s own identity (its managed identity, or AZURE_CLIENT_ID\'s) needs the "Search Index Data Reader" role on the search service, and the service must allow role-based access (Settings > Keys > API access control: "Role-based access control" or "Both")';

export function searchError(err: unknown, context: SearchErrorContext): BotError {
  if (isBotError(err)) return err;
  const { target, endpoint } = context;
  const status = statusOf(err);
  const said = upstreamMessage(err);
  const fail = (kind: SearchFailureKind, what: string, hint: string) =>
    new BotError(
      "datasource_error",
      `Azure AI Search (${target}): ${what}`,
      { kind, hint, ...(status ? { status } : {}) },
      { cause: err },
    );

  if (isAbort(err)) {
    return fail(
      "timeout",
      `no answer within ${context.timeoutMs} ms`,
      "the search service is slow or overloaded: raise AZURE_SEARCH_TIMEOUT_MS, or check the service's load and replicas",
    );
  }
  if (status === 401 || status === 403) {
    return fail(
      "refused",
      `the search service refused the bot's credentials (${status})${said}`,
      context.auth.kind === "api-key"
        ? `check AZURE_SEARCH_API_KEY (or the source's authentication.key): it must be a query or admin key of ${endpoint}`
        : SEARCH_READER_ROLE_HINT,
    );
  }
  if (status === 404) {
    return fail("missing", `${target} was not found on ${endpoint}${said}`, `check ${context.configuredBy}`);
  }
  if (status === 429 || status === 503) {
    return fail(
      "throttled",
      `the search service is throttling requests (${status})${said}`,
      "the search service is at its limits: add replicas or a higher tier, or lower the traffic",
    );
  }
  if (status === 400) {
    return fail(
      "invalid",
      `the search service refused the query (400)${said}`,
      `a setting does not fit the index (filter, query type, semantic configuration, fields): check ${context.configuredBy}`,
    );
  }
  return fail(
    "unavailable",
    status
      ? `the search service failed (${status})${said}`
      : `the search service could not be reached${said}`,
    `is ${endpoint} reachable from the bot (DNS, firewall, private endpoint)?`,
  );
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

function isAbort(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === "AbortError" || name === "TimeoutError";
}

/** The service's own words, short and without secrets: `: "The index 'x' … was not found."`. */
function upstreamMessage(err: unknown): string {
  const message = err instanceof Error ? err.message.trim() : "";
  if (message === "") return "";
  const short = message.length > MAX_UPSTREAM_CHARS ? `${message.slice(0, MAX_UPSTREAM_CHARS)}…` : message;
  return `: "${scrub(short)}"`;
}

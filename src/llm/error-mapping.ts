// Turns what the openai SDK throws into BotError (src/errors.ts). Pure: the decision depends only on
// the error (status, headers, Azure's error body) and on where it happened.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { BotError, isBotError } from "../errors.js";
import { scrub } from "../redact.js";
import { filteredCategory } from "./content-filter.js";
import type { DataSourceRequest } from "./types.js";

/** "request": before the response headers arrived; "stream": while reading the SSE body. */
export type LlmPhase = "request" | "stream";

export interface ErrorContext {
  /** The deployment or model the request named. */
  model: string;
  phase: LlmPhase;
  /** The On Your Data source the request carried, if any (names the index and auth in hints). */
  dataSource?: DataSourceRequest;
}

/** Wait assumed when a 429 carries neither retry-after-ms nor retry-after (Azure always sends one). */
export const RATE_LIMIT_FALLBACK_WAIT_MS = 2_000;

/** Longest slice of an upstream message kept in our error message. */
const MAX_UPSTREAM_MESSAGE_CHARS = 300;

export const AUTH_HINT =
  'API key: check it belongs to this resource. Microsoft Entra ID: the identity needs the "Cognitive Services OpenAI User" role on the resource, and the token scope must match the endpoint.';

/** Azure error codes meaning "no such deployment/model" (Azure OpenAI, model inference, OpenAI). */
const NOT_FOUND_CODES = new Set([
  "DeploymentNotFound",
  "unknown_model",
  "unavailable_model",
  "model_not_found",
]);

/** Azure.Identity errors surface when a token cannot be had; the SDK wraps them as `cause`. */
const IDENTITY_ERROR_NAMES = new Set([
  "CredentialUnavailableError",
  "AuthenticationError",
  "AggregateAuthenticationError",
  "AuthenticationRequiredError",
]);

/** Milliseconds a 429/503 asks us to wait: `retry-after-ms` first, then `retry-after` (seconds or a date). */
export function retryAfterMs(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get("retry-after")?.trim();
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function retryAfterMsOf(err: unknown): number | undefined {
  return err instanceof APIError ? retryAfterMs(err.headers) : undefined;
}

export function toBotError(err: unknown, context: ErrorContext): BotError {
  if (isBotError(err)) return err;
  if (err instanceof APIConnectionTimeoutError) {
    return new BotError("llm_timeout", "the LLM endpoint did not answer in time", {}, { cause: err });
  }
  if (err instanceof APIUserAbortError) {
    return new BotError("llm_timeout", "the LLM request was aborted", {}, { cause: err });
  }
  if (err instanceof APIConnectionError) {
    return new BotError(
      "llm_unavailable",
      `could not reach the LLM endpoint: ${describe(err.cause)}`,
      {},
      { cause: err },
    );
  }
  if (err instanceof APIError) return fromApiError(err, context);
  if (isIdentityError(err)) {
    return new BotError(
      "llm_auth",
      `could not get a Microsoft Entra ID token: ${describe(rootCause(err))}`,
      { hint: AUTH_HINT },
      { cause: err },
    );
  }
  // Anything else while reading the body (socket closed, malformed SSE) means the answer was cut short.
  if (context.phase === "stream") {
    return new BotError(
      "llm_stream_cut",
      `the answer stream broke off: ${describe(err)}`,
      {},
      { cause: err },
    );
  }
  // The SDK reports network failures as APIConnectionError; anything else before a response is ours.
  return new BotError("internal", `the LLM request could not be made: ${describe(err)}`, {}, { cause: err });
}

interface AzureErrorBody {
  code?: unknown;
  message?: unknown;
  param?: unknown;
  /** What the service sends: `innererror.content_filter_result`. */
  innererror?: { code?: unknown; content_filter_result?: unknown; content_filter_results?: unknown };
  /** What the 2024-10-21 spec documents instead: `inner_error.content_filter_results`. */
  inner_error?: { content_filter_results?: unknown };
}

function fromApiError(err: APIError, context: ErrorContext): BotError {
  const body = (typeof err.error === "object" && err.error !== null ? err.error : {}) as AzureErrorBody;
  const code =
    typeof err.code === "string" ? err.code : typeof body.code === "string" ? body.code : undefined;
  const status = err.status;
  const upstream = upstreamMessage(body);
  const details = status === undefined ? {} : { status };
  const where = status === undefined ? "mid-stream" : `${status}${code ? ` ${code}` : ""}`;
  const message = `LLM endpoint answered ${where}: ${upstream}`;
  const options = { cause: err };

  if (status === 429) {
    const waitMs = retryAfterMs(err.headers) ?? RATE_LIMIT_FALLBACK_WAIT_MS;
    return new BotError(
      "llm_rate_limited",
      message,
      {
        ...details,
        retryAfterSeconds: Math.ceil(waitMs / 1000),
        hint: "deployment quota (tokens or requests per minute) exhausted",
      },
      options,
    );
  }
  if (code === "content_filter") {
    const results =
      body.innererror?.content_filter_result ??
      body.innererror?.content_filter_results ??
      body.inner_error?.content_filter_results;
    const category = filteredCategory(results);
    const filteredPart = context.phase === "request" || body.param === "prompt" ? "prompt" : "completion";
    return new BotError(
      "llm_content_filter",
      message,
      { ...details, filteredPart, ...(category ? { category } : {}) },
      options,
    );
  }
  if (code === "context_length_exceeded") {
    return new BotError("llm_context_length", message, details, options);
  }
  const fullText = typeof body.message === "string" ? scrub(body.message) : "";
  const fromDataSource = dataSourceError(status, fullText, context, options);
  if (fromDataSource) return fromDataSource;
  if (status === 401 || status === 403) {
    return new BotError("llm_auth", message, { ...details, hint: AUTH_HINT }, options);
  }
  if ((code !== undefined && NOT_FOUND_CODES.has(code)) || status === 404) {
    return new BotError(
      "llm_not_found",
      `model or deployment "${context.model}" not found (${message})`,
      { ...details, name: context.model, hint: notFoundHint(code, context.model) },
      options,
    );
  }
  if (status === 408) return new BotError("llm_timeout", message, details, options);
  if (status !== undefined && status >= 500)
    return new BotError("llm_unavailable", message, details, options);
  // An error event inside an otherwise healthy stream: the answer stops here.
  if (status === undefined) return new BotError("llm_stream_cut", message, details, options);
  return new BotError("llm_bad_request", message, details, options);
}

// ---------------------------------------------------------------------------------------------
// On Your Data. The service calls Azure AI Search itself and reports every search failure as a 400
// whose body is { error: { requestid, code: 400, message } } (a number, not a string); the message
// carries the search status, e.g. (microsoft/sample-app-aoai-chatGPT#624, Azure-Samples/
// azure-search-openai-demo#2331, Azure/azure-sdk-for-net#45326):
//   "Invalid AzureCognitiveSearch configuration detected: Call to get Azure Search index failed. Check
//    if you are using the correct Azure Search endpoint and index name. ... [https://aka.ms/aoaioydauthentication]
//    ...\nAzure Search Error: 403, message='Server responded with status 403. Error message:
//    {"error":{"code":"","message":"Authorization failed."}}', url=URL('https://x.search.windows.net/indexes/...')"
// A missing index is the same with "Azure Search Error: 404" and Search's own body "The index 'x' for
// service 'y' was not found." (microsoft/semantic-kernel#3015). A parameter the service does not know:
// "Validation error at #/data_sources/0/azure_search/parameters/x: Extra inputs are not permitted"
// (microsoft/copilot-camp#429). An unresolvable endpoint: "Invalid AzureCognitiveSearch configuration
// detected: Azure Cognitive Search url fails to resolve." (microsoft/sample-app-aoai-chatGPT#275).

/** Roles the Azure OpenAI resource's identity needs on the search service (On Your Data RBAC docs). */
export const SEARCH_ROLES_HINT =
  'give the Azure OpenAI resource\'s managed identity "Search Index Data Reader" (to query) and "Search Service Contributor" (to read the index definition) on the search service, and turn on role-based access control there (API access control: "Role-based access control" or "Both"); a search service without public network access must allow trusted Microsoft services';
export const SEARCH_KEY_HINT =
  "check the search key (AZURE_SEARCH_API_KEY or parameters.authentication.key): it must be an admin key of this search service, since On Your Data reads the index definition, which a query key cannot";

const OYD_CONFIGURATION = /Invalid (\w+) configuration detected/i;
const OYD_VALIDATION = /Validation error at #\/data_sources(\S*)/i;
const OYD_SEARCH_STATUS = /Azure Search Error: (\d{3})/i;
const OYD_INNER_MESSAGE = /"message":\s*"((?:[^"\\]|\\.)*)"/;
const OYD_MODEL_CALL = /An error occurred when calling Azure OpenAI/i;

function dataSourceError(
  status: number | undefined,
  /** The whole upstream message, scrubbed (the search status comes at its end). */
  upstream: string,
  context: ErrorContext,
  options: { cause: unknown },
): BotError | undefined {
  if (status !== 400) return undefined;
  const configuration = OYD_CONFIGURATION.exec(upstream);
  const validation = OYD_VALIDATION.exec(upstream);
  const modelCall = context.dataSource !== undefined && OYD_MODEL_CALL.test(upstream);
  if (!configuration && !validation && !modelCall) return undefined;

  const parameters = context.dataSource?.parameters ?? {};
  const index = typeof parameters.index_name === "string" ? parameters.index_name : undefined;
  const endpoint = typeof parameters.endpoint === "string" ? parameters.endpoint : undefined;
  const source = `${context.dataSource?.type ?? configuration?.[1] ?? "data source"}${index ? ` index "${index}"` : ""}`;
  const details = { status, ...(index ? { name: index } : {}) };
  const fail = (what: string, hint: string) =>
    new BotError("datasource_error", `On Your Data (${source}): ${what}`, { ...details, hint }, options);

  if (validation) {
    const where = `data_sources${validation[1] ?? ""}`.replace(/:$/, "");
    return fail(
      `the service refused the data source configuration at ${where}: ${short(upstream)}`,
      "a field of the data source is not accepted by this api-version: check DATA_SOURCES_FILE (or AZURE_SEARCH_*) against the configured OPENAI_API_VERSION",
    );
  }
  if (modelCall) {
    return fail(
      `the model call behind On Your Data failed: ${short(upstream)}`,
      "On Your Data calls the deployment itself and supports only some models (GPT-4o and GPT-4o-mini); pick one of those for answers from documents",
    );
  }
  const searchStatus = Number(OYD_SEARCH_STATUS.exec(upstream)?.[1]);
  const inner = OYD_INNER_MESSAGE.exec(upstream)?.[1]?.replace(/\\(.)/g, "$1");
  const said = inner ? ` "${inner}"` : "";
  if (searchStatus === 401 || searchStatus === 403) {
    return fail(
      `Azure AI Search answered ${searchStatus}${said} when Azure OpenAI read the index`,
      searchAuthHint(context.dataSource),
    );
  }
  if (searchStatus === 404) {
    return fail(
      `Azure AI Search answered 404${said}`,
      `the index${index ? ` "${index}"` : ""} does not exist on ${endpoint ?? "the search service"}: check AZURE_SEARCH_INDEX (index_name) and AZURE_SEARCH_ENDPOINT (endpoint)`,
    );
  }
  if (/fails to resolve/i.test(upstream)) {
    return fail(
      "the search endpoint does not resolve",
      `check AZURE_SEARCH_ENDPOINT (endpoint${endpoint ? ` ${endpoint}` : ""}): it must be https://<service>.search.windows.net`,
    );
  }
  return fail(
    `the service refused the data source: ${short(upstream)}`,
    "check the data source's endpoint, index name and authentication",
  );
}

function searchAuthHint(dataSource: DataSourceRequest | undefined): string {
  const auth = dataSource?.parameters.authentication as
    | { type?: unknown; managed_identity_resource_id?: unknown }
    | undefined;
  switch (auth?.type) {
    case "api_key":
      return SEARCH_KEY_HINT;
    case "system_assigned_managed_identity":
      return `system-assigned managed identity: ${SEARCH_ROLES_HINT}`;
    case "user_assigned_managed_identity":
      return `user-assigned managed identity ${String(auth.managed_identity_resource_id ?? "")} (it must be assigned to the Azure OpenAI resource): ${SEARCH_ROLES_HINT.replace("the Azure OpenAI resource's managed identity", "that identity")}`;
    default:
      return `managed identity: ${SEARCH_ROLES_HINT}; API key: ${SEARCH_KEY_HINT}`;
  }
}

function notFoundHint(code: string | undefined, model: string): string {
  if (code === "DeploymentNotFound") {
    return `no deployment named "${model}" on this resource (a new deployment can take about 5 minutes to appear)`;
  }
  if (code === "unknown_model" || code === "unavailable_model") {
    return `the model inference endpoint has no deployment named "${model}"; the model field must be the deployment name`;
  }
  return `check the model name "${model}", the endpoint URL and the api-version`;
}

function short(text: string): string {
  return text.slice(0, MAX_UPSTREAM_MESSAGE_CHARS);
}

function upstreamMessage(body: AzureErrorBody): string {
  const text = typeof body.message === "string" ? body.message : "(no message)";
  return scrub(text).slice(0, MAX_UPSTREAM_MESSAGE_CHARS);
}

function describe(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return scrub(text).slice(0, MAX_UPSTREAM_MESSAGE_CHARS);
}

function rootCause(err: unknown): unknown {
  let current = err;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) {
    current = current.cause;
  }
  return current;
}

function isIdentityError(err: unknown): boolean {
  let current = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (IDENTITY_ERROR_NAMES.has(current.name)) return true;
    current = current.cause;
  }
  return false;
}

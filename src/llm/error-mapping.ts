// Turns what the openai SDK throws into BotError (src/errors.ts). Pure: the decision depends only on
// the error (status, headers, Azure's error body) and on where it happened.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { BotError, isBotError } from "../errors.js";
import { scrub } from "../redact.js";
import { filteredCategory } from "./content-filter.js";

/** "request": before the response headers arrived; "stream": while reading the SSE body. */
export type LlmPhase = "request" | "stream";

export interface ErrorContext {
  /** The deployment or model the request named. */
  model: string;
  phase: LlmPhase;
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

function notFoundHint(code: string | undefined, model: string): string {
  if (code === "DeploymentNotFound") {
    return `no deployment named "${model}" on this resource (a new deployment can take about 5 minutes to appear)`;
  }
  if (code === "unknown_model" || code === "unavailable_model") {
    return `the model inference endpoint has no deployment named "${model}"; the model field must be the deployment name`;
  }
  return `check the model name "${model}", the endpoint URL and the api-version`;
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

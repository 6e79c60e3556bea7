// A small error hierarchy: every failure the user may hear about has a `code`; the words shown to a
// user for each code live in src/user-messages.ts, never at the throw site.

export type ErrorCode =
  | "config_invalid"
  | "llm_rate_limited"
  | "llm_content_filter"
  | "llm_auth"
  | "llm_not_found"
  | "llm_context_length"
  | "llm_timeout"
  | "llm_stream_cut"
  | "llm_bad_request"
  | "llm_unavailable"
  /** On Your Data: the search behind the data source failed (auth, missing index, bad configuration). */
  | "datasource_error"
  | "input_too_long"
  | "store_unavailable"
  | "sink_rate_limited"
  | "sink_failed"
  | "shutting_down"
  | "stopped_by_user"
  | "internal";

export interface BotErrorDetails {
  /** Seconds the caller should wait before trying again (rate limits). */
  retryAfterSeconds?: number;
  /** Content-filter category, e.g. "hate", "jailbreak". */
  category?: string;
  /** Where a content filter fired. */
  filteredPart?: "prompt" | "completion";
  /** Deployment or model name that was not found. */
  name?: string;
  /** HTTP status from the upstream service, when there was one. */
  status?: number;
  /** A hint for the operator's log line (never shown to a chat user). */
  hint?: string;
  /** input_too_long: the prompt's tokens and what the model has room for (shown to the user). */
  tokens?: number;
  available?: number;
  /** Why a document search failed: decides the user's sentence and the search error metric. */
  kind?: SearchFailureKind;
}

/**
 * refused: the key or role was refused; missing: no such index or knowledge base; throttled: 429/503;
 * timeout: no answer in time; invalid: the configuration does not fit the index; unavailable: the
 * service could not be reached or failed.
 */
export type SearchFailureKind = "refused" | "missing" | "throttled" | "timeout" | "invalid" | "unavailable";

export class BotError extends Error {
  readonly code: ErrorCode;
  readonly details: BotErrorDetails;

  constructor(
    code: ErrorCode,
    message: string,
    details: BotErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "BotError";
    this.code = code;
    this.details = details;
  }
}

export function isBotError(err: unknown, code?: ErrorCode): err is BotError {
  return err instanceof BotError && (code === undefined || err.code === code);
}

/** Thrown by a reply sink when the platform answered 429; ReplyStream waits and catches up. */
export class SinkRateLimitedError extends BotError {
  readonly retryAfterMs: number;
  /**
   * Only intermediate updates must wait: the limit is on the kind of call they use (Slack's are per
   * method), so a message's final call may still go out at once.
   */
  readonly updatesOnly: boolean;
  constructor(
    retryAfterMs: number,
    message = "platform rate limit",
    options?: { cause?: unknown; updatesOnly?: boolean },
  ) {
    super("sink_rate_limited", message, { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) }, options);
    this.name = "SinkRateLimitedError";
    this.retryAfterMs = retryAfterMs;
    this.updatesOnly = options?.updatesOnly ?? false;
  }
}

/**
 * Thrown by a reply sink when the user stopped the answer (Teams' Stop button, Slack's stop on a
 * stream): ReplyStream sends nothing more and the engine keeps only what was shown.
 */
export class ReplyStoppedError extends BotError {
  constructor(message = "the user stopped the reply", options?: { cause?: unknown }) {
    super("stopped_by_user", message, {}, options);
    this.name = "ReplyStoppedError";
  }
}

// When to try a failed completion again, and after how long. Pure. The client calls this only while
// no text has been yielded: once the user saw part of an answer, a retry would repeat it.
import type { BotError } from "../errors.js";
import { RATE_LIMIT_FALLBACK_WAIT_MS } from "./error-mapping.js";

/**
 * A connection error, 5xx or a stream cut before the first token is retried once: it is usually a
 * single bad instance behind Azure's load balancer, and a second failure means the user should know.
 */
export const TRANSIENT_RETRIES = 1;
/** Pause before that one transient retry when the service did not ask for a specific wait. */
export const TRANSIENT_RETRY_DELAY_MS = 250;

export interface RetryLimits {
  maxRateLimitRetries: number;
  maxRetryWaitMs: number;
}

export interface RetryState {
  rateLimitRetries: number;
  transientRetries: number;
}

/**
 * Milliseconds to wait before the next attempt, or undefined to give up and throw `error`.
 * `askedWaitMs` is what the response's retry-after-ms / retry-after said; `remainingMs` is what is left
 * of the request's deadline (a wait that would outlast it is pointless).
 */
export function retryDelayMs(
  error: BotError,
  askedWaitMs: number | undefined,
  state: RetryState,
  limits: RetryLimits,
  remainingMs: number,
): number | undefined {
  let waitMs: number;
  if (error.code === "llm_rate_limited") {
    if (state.rateLimitRetries >= limits.maxRateLimitRetries) return undefined;
    waitMs = askedWaitMs ?? RATE_LIMIT_FALLBACK_WAIT_MS * 2 ** state.rateLimitRetries;
  } else if (error.code === "llm_unavailable" || error.code === "llm_stream_cut") {
    if (state.transientRetries >= TRANSIENT_RETRIES) return undefined;
    waitMs = askedWaitMs ?? TRANSIENT_RETRY_DELAY_MS;
  } else {
    return undefined;
  }
  if (waitMs > limits.maxRetryWaitMs || waitMs >= remainingMs) return undefined;
  return waitMs;
}

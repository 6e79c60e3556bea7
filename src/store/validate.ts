// Limits shared by both stores, so Redis and memory reject and keep exactly the same things.
import type { AppendOptions } from "./types.js";

/** Usage totals are per calendar month; keep about 13 months so a year-over-year view is possible. */
export const USAGE_TTL_SECONDS = 400 * 24 * 60 * 60;

/** maxMessages below 1 or a TTL of 0 would mean "keep everything" / "delete now" in Redis: refuse. */
export function validateAppendOptions(options: AppendOptions): AppendOptions {
  const maxMessages = Math.floor(options.maxMessages);
  const ttlSeconds = Math.ceil(options.ttlSeconds);
  if (!Number.isFinite(maxMessages) || maxMessages < 1)
    throw new RangeError(`maxMessages must be >= 1, got ${options.maxMessages}`);
  if (!Number.isFinite(ttlSeconds) || ttlSeconds < 1)
    throw new RangeError(`ttlSeconds must be >= 1, got ${options.ttlSeconds}`);
  return { maxMessages, ttlSeconds };
}

/** A positive whole number of seconds; 0 or NaN would delete the key or make Redis reject the call. */
export function validateTtlSeconds(ttlSeconds: number): number {
  const ttl = Math.ceil(ttlSeconds);
  if (!Number.isFinite(ttl) || ttl < 1) throw new RangeError(`ttlSeconds must be >= 1, got ${ttlSeconds}`);
  return ttl;
}

/** Whole, non-negative token counts; a missing or odd count from a provider adds nothing. */
export function tokenCount(n: number): number {
  return Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0;
}

/** How many newest messages to load: undefined means all, anything below 1 means none. */
export function loadLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  return Number.isNaN(limit) ? 0 : Math.max(0, Math.floor(limit));
}

/** A sliding window of at least one call per at least one millisecond; anything else could never let a call through. */
export function validateRateWindow(limit: number, windowMs: number): { limit: number; windowMs: number } {
  const calls = Math.floor(limit);
  const ms = Math.ceil(windowMs);
  if (!Number.isFinite(calls) || calls < 1) throw new RangeError(`rate limit must be >= 1, got ${limit}`);
  if (!Number.isFinite(ms) || ms < 1) throw new RangeError(`rate window must be >= 1 ms, got ${windowMs}`);
  return { limit: calls, windowMs: ms };
}

/** Whole milliseconds to hold a budget; 0 or less holds nothing. A NaN or infinite hold is a caller bug. */
export function holdMs(ms: number): number {
  if (!Number.isFinite(ms)) throw new RangeError(`hold must be a finite number of ms, got ${ms}`);
  return Math.max(0, Math.ceil(ms));
}

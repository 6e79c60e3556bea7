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

// Rules for feedback entries shared by both stores, so Redis and memory keep and order the same things.
import type { FeedbackEntry } from "./types.js";
import { USAGE_TTL_SECONDS } from "./validate.js";

/** Newest entries kept per conversation scope: enough for a long review, bounded in memory. */
export const FEEDBACK_MAX_PER_SCOPE = 10_000;
/** A scope's feedback lives as long as usage totals (about 13 months), refreshed by every record. */
export const FEEDBACK_TTL_SECONDS = USAGE_TTL_SECONDS;
/** Text kept per entry; with the count cap this bounds one scope to about 40 MB at worst. */
export const FEEDBACK_TEXT_MAX_CHARS = 4_000;

const REACTIONS: ReadonlySet<string> = new Set(["positive", "negative"]);
const HIGH_SURROGATE = /[\uD800-\uDBFF]$/;

/**
 * One user's feedback on one answer: a second click replaces the first. JSON, not `a:b`, because
 * Teams user ids contain colons and the id must not be ambiguous.
 */
export function feedbackId(entry: Pick<FeedbackEntry, "messageId" | "userId">): string {
  return JSON.stringify([entry.messageId, entry.userId]);
}

/** A copy fit to store: a finite time, a known reaction, text cut to the cap. Unknown fields pass through. */
export function normalizeFeedback(entry: FeedbackEntry): FeedbackEntry {
  if (!Number.isFinite(entry.at)) throw new RangeError(`feedback time must be finite, got ${entry.at}`);
  if (!REACTIONS.has(entry.reaction)) throw new RangeError(`unknown feedback reaction: ${entry.reaction}`);
  const copy = { ...entry };
  if (copy.text !== undefined && copy.text.length > FEEDBACK_TEXT_MAX_CHARS) {
    // Never leave half a surrogate pair at the cut.
    copy.text = copy.text.slice(0, FEEDBACK_TEXT_MAX_CHARS).replace(HIGH_SURROGATE, "");
  }
  return copy;
}

/** How many entries to list: whole, at least 0, at most what is kept. */
export function feedbackListLimit(limit: number): number {
  if (Number.isNaN(limit)) return 0;
  return Math.min(FEEDBACK_MAX_PER_SCOPE, Math.max(0, Math.floor(limit)));
}

/**
 * Newest first; equal times by id, descending, byte-wise: the order of a Redis sorted set read in
 * reverse, so both stores list ties the same way.
 */
export function newestFirst(a: { id: string; at: number }, b: { id: string; at: number }): number {
  if (a.at !== b.at) return b.at - a.at;
  return Buffer.compare(Buffer.from(b.id), Buffer.from(a.id));
}

/** Entries are JSON in Redis; a malformed one (older format, manual edit) is skipped, not fatal. */
export function decodeFeedback(raw: string): FeedbackEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const strings = ["platform", "conversationScope", "threadKey", "messageId", "userId"] as const;
  if (strings.some((field) => typeof v[field] !== "string")) return undefined;
  if (typeof v.reaction !== "string" || !REACTIONS.has(v.reaction) || typeof v.at !== "number")
    return undefined;
  if (v.text !== undefined && typeof v.text !== "string") return undefined;
  return value as FeedbackEntry;
}

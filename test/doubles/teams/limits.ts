// Teams' published limits for bots, as the connector double enforces them. Each names its source.
import type { RateRule } from "./rate-limiter.js";

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;

/** "The throttling limit is 1 request per second" for streaming requests (bots/streaming-ux, REST API). */
export const STREAM_MIN_INTERVAL_MS = SECOND_MS;
/** "The bot failed to complete the streaming process within the strict time limit of two minutes." (streaming-ux). */
export const STREAM_LIFETIME_MS = 2 * MINUTE_MS;
/** "Informative messages must not be more than 1 kb or 1000 characters." (streaming-ux). */
export const INFORMATIVE_MAX_CHARS = 1_000;
/** "The agent message size limit is 100 KB ... encoded as UTF-16" → 413 MessageSizeTooBig (agent-message-size-limit). */
export const MESSAGE_MAX_BYTES = 100 * 1_024;
/** At most 20 citations on one message (DESIGN.md; bot-messages-ai-generated-content). */
export const CITATIONS_MAX = 20;

/** pagedmembers: "Page size less than 50, are treated as 50, and greater than 500, are capped at 500" (get-teams-context). */
export const PAGE_SIZE_MIN = 50;
export const PAGE_SIZE_MAX = 500;
/** pagedmembers default page size when none is asked for (microsoft/teams.py#327, checked against the service). */
export const PAGE_SIZE_DEFAULT = 200;

/** What shares one budget: requests that send, update or delete in a conversation; roster reads; team reads. */
export type RateBucket = "send" | "members" | "conversations";

/** "Per bot per thread limit" table (bots/how-to/rate-limit): every row must hold at once. */
export const DEFAULT_RATE_RULES: Readonly<Record<RateBucket, readonly RateRule[]>> = {
  send: [
    { limit: 7, windowMs: SECOND_MS },
    { limit: 8, windowMs: 2 * SECOND_MS },
    { limit: 60, windowMs: 30 * SECOND_MS },
    { limit: 1_800, windowMs: HOUR_MS },
  ],
  members: [
    { limit: 14, windowMs: SECOND_MS },
    { limit: 16, windowMs: 2 * SECOND_MS },
    { limit: 120, windowMs: 30 * SECOND_MS },
    { limit: 3_600, windowMs: HOUR_MS },
  ],
  conversations: [
    { limit: 14, windowMs: SECOND_MS },
    { limit: 16, windowMs: 2 * SECOND_MS },
    { limit: 120, windowMs: 30 * SECOND_MS },
    { limit: 3_600, windowMs: HOUR_MS },
  ],
};

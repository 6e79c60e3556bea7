// Slack's rate tiers as strict sliding windows: at most `limit` calls in any `windowMs`, per method
// per workspace (chat.postMessage: per channel). Slack tolerates short bursts; the double does not,
// so a bot that passes here stays inside the published numbers.
import { MINUTE_MS, SECOND_MS } from "./limits.js";

export interface RateRule {
  limit: number;
  windowMs: number;
  /** What shares one budget: the workspace (default) or one channel of it. */
  per?: "team" | "channel";
}

const TIER_2: RateRule = { limit: 20, windowMs: MINUTE_MS };
const TIER_3: RateRule = { limit: 50, windowMs: MINUTE_MS };
const TIER_4: RateRule = { limit: 100, windowMs: MINUTE_MS };
/** auth.test and setStatus are Tier 5 / special: generous, but not unlimited. */
const GENEROUS: RateRule = { limit: 600, windowMs: MINUTE_MS };

/** Tiers from each method's docs (`rate_limits`) and the rate-limits guide. */
export const DEFAULT_RATE_RULES: Readonly<Record<string, RateRule>> = {
  "chat.startStream": TIER_2,
  "chat.stopStream": TIER_2,
  "chat.update": TIER_3,
  "chat.delete": TIER_3,
  "conversations.replies": TIER_3,
  "conversations.history": TIER_3,
  "agents.sessions.setStatus": TIER_3,
  "agents.sessions.rename": TIER_3,
  "conversations.members": TIER_4,
  "reactions.add": TIER_3,
  "chat.appendStream": TIER_4,
  "chat.postEphemeral": TIER_4,
  "users.info": TIER_4,
  "views.open": TIER_4,
  "views.publish": TIER_4,
  "assistant.threads.setSuggestedPrompts": TIER_4,
  "assistant.threads.setTitle": TIER_4,
  /** "1 per second per channel"; the workspace-wide posting limit is not modelled. */
  "chat.postMessage": { limit: 1, windowMs: SECOND_MS, per: "channel" },
  "assistant.threads.setStatus": GENEROUS,
  "auth.test": GENEROUS,
};

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class SlidingWindowLimiter {
  readonly #rules: Record<string, RateRule>;
  readonly #timeScale: number;
  readonly #now: () => number;
  /** Accepted call times per budget key, oldest first. Refused calls do not count. */
  readonly #windows = new Map<string, number[]>();

  constructor(rules: Record<string, RateRule>, timeScale: number, now: () => number) {
    if (!(timeScale > 0)) throw new RangeError(`timeScale must be > 0, got ${timeScale}`);
    this.#rules = rules;
    this.#timeScale = timeScale;
    this.#now = now;
  }

  /** Admits the call (and counts it) or says how long to wait: whole seconds, rounded up, at least 1. */
  admit(method: string, teamId: string, channel: string | undefined): RateDecision {
    const rule = this.#rules[method];
    if (!rule) return { allowed: true };
    const windowMs = rule.windowMs * this.#timeScale;
    const key =
      rule.per === "channel" ? `${teamId}\u0000${method}\u0000${channel ?? ""}` : `${teamId}\u0000${method}`;
    const now = this.#now();
    const times = (this.#windows.get(key) ?? []).filter((t) => t > now - windowMs);
    this.#windows.set(key, times);
    const oldest = times[0];
    if (times.length >= rule.limit && oldest !== undefined) {
      const waitMs = oldest + windowMs - now;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / SECOND_MS)) };
    }
    times.push(now);
    return { allowed: true };
  }

  reset(): void {
    this.#windows.clear();
  }
}

// Teams' per-bot-per-conversation limits as strict sliding windows: a request is admitted only when
// every window of its bucket has room. Refused requests do not count (the double cannot know whether
// Teams counts them; not counting is the lenient reading, and the limits are strict windows anyway).
import { SECOND_MS } from "./limits.js";

export interface RateRule {
  limit: number;
  windowMs: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number; waitMs: number };

export class ConversationRateLimiter {
  readonly #rules: Readonly<Record<string, readonly RateRule[]>>;
  readonly #timeScale: number;
  /** Accepted request times per bucket and conversation, oldest first. */
  readonly #windows = new Map<string, number[]>();

  constructor(rules: Readonly<Record<string, readonly RateRule[]>>, timeScale: number) {
    if (!(timeScale > 0)) throw new RangeError(`timeScale must be > 0, got ${timeScale}`);
    this.#rules = rules;
    this.#timeScale = timeScale;
  }

  /** Admits and counts the request, or says how long to wait (Retry-After: whole seconds, at least 1). */
  admit(bucket: string, key: string, now: number): RateDecision {
    const rules = this.#rules[bucket] ?? [];
    const windowKey = `${bucket}\u0000${key}`;
    const longest = Math.max(0, ...rules.map((r) => r.windowMs * this.#timeScale));
    const times = (this.#windows.get(windowKey) ?? []).filter((t) => t > now - longest);
    this.#windows.set(windowKey, times);
    let waitMs = 0;
    for (const rule of rules) {
      const windowMs = rule.windowMs * this.#timeScale;
      const inWindow = times.filter((t) => t > now - windowMs);
      if (inWindow.length < rule.limit) continue;
      // The request fits once the oldest request that keeps the window full has left it.
      const blocking = inWindow[inWindow.length - rule.limit];
      if (blocking !== undefined) waitMs = Math.max(waitMs, blocking + windowMs - now);
    }
    if (waitMs > 0) return { allowed: false, waitMs, retryAfterSeconds: retryAfterSeconds(waitMs) };
    times.push(now);
    return { allowed: true };
  }

  reset(): void {
    this.#windows.clear();
  }
}

/** Teams sends Retry-After in whole seconds; under a shrunk timeScale it is still at least one. */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / SECOND_MS));
}

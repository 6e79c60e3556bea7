// Keeps every Slack call inside Slack's per-workspace, per-method rate tiers, shared by all replies
// and all bot processes through the store's sliding-window budgets (Redis in production).
import type { Clock } from "../../src/reply/types.js";
import type { RateBudgets } from "../../src/store/types.js";

export interface Tier {
  /** Calls allowed in any window. */
  limit: number;
  windowMs: number;
  /** The budget is per channel, not per workspace (chat.postMessage). */
  perChannel?: boolean;
}

const MINUTE_MS = 60_000;
// Slack's published tiers (docs.slack.dev, "Rate limits"): Tier 2 ~20/min, Tier 3 ~50/min,
// Tier 4 ~100/min; chat.postMessage ~1/s per channel. Methods not listed are not budgeted.
export const SLACK_TIERS: Record<string, Tier> = {
  "chat.startStream": { limit: 20, windowMs: MINUTE_MS },
  "chat.stopStream": { limit: 20, windowMs: MINUTE_MS },
  "chat.update": { limit: 50, windowMs: MINUTE_MS },
  "chat.delete": { limit: 50, windowMs: MINUTE_MS },
  "conversations.replies": { limit: 50, windowMs: MINUTE_MS },
  "conversations.history": { limit: 50, windowMs: MINUTE_MS },
  "agents.sessions.setStatus": { limit: 50, windowMs: MINUTE_MS },
  "agents.sessions.rename": { limit: 50, windowMs: MINUTE_MS },
  "conversations.members": { limit: 100, windowMs: MINUTE_MS },
  "reactions.add": { limit: 50, windowMs: MINUTE_MS },
  "chat.appendStream": { limit: 100, windowMs: MINUTE_MS },
  "chat.postEphemeral": { limit: 100, windowMs: MINUTE_MS },
  "users.info": { limit: 100, windowMs: MINUTE_MS },
  "views.open": { limit: 100, windowMs: MINUTE_MS },
  "views.publish": { limit: 100, windowMs: MINUTE_MS },
  "assistant.threads.setSuggestedPrompts": { limit: 100, windowMs: MINUTE_MS },
  "chat.postMessage": { limit: 1, windowMs: 1_000, perChannel: true },
};

/**
 * Added to every window: our clock reads the time before a request leaves, Slack's when it
 * arrives, and requests do not all take equally long on the way.
 */
export const SLACK_RATE_MARGIN_MS = 150;

export interface SlackRateLimiterOptions {
  /** Multiplies every window (tests and benchmarks run tiers in seconds, not minutes). */
  timeScale?: number;
  clock: Clock;
}

export class SlackRateLimiter {
  private readonly budgets: RateBudgets;
  private readonly timeScale: number;
  private readonly clock: Clock;

  constructor(budgets: RateBudgets, options: SlackRateLimiterOptions) {
    this.budgets = budgets;
    this.timeScale = options.timeScale ?? 1;
    this.clock = options.clock;
  }

  /** Takes one call of `method` now if the budget allows: 0, else how long until it might (nothing taken). */
  async tryTake(teamId: string, method: string, channel?: string): Promise<number> {
    const tier = SLACK_TIERS[method];
    if (!tier) return 0;
    return this.budgets.tryTake(this.key(teamId, method, tier, channel), tier.limit, this.windowOf(tier));
  }

  /** Waits until one call of `method` fits the budget, and takes it. */
  async take(teamId: string, method: string, channel?: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const waitMs = await this.tryTake(teamId, method, channel);
      if (waitMs === 0) return;
      await this.clock.sleep(waitMs, signal);
    }
  }

  /** Slack answered 429: nobody calls `method` again in this workspace until Retry-After has passed. */
  async hold(teamId: string, method: string, retryAfterMs: number, channel?: string): Promise<void> {
    const tier = SLACK_TIERS[method] ?? { limit: 1, windowMs: retryAfterMs };
    await this.budgets.hold(this.key(teamId, method, tier, channel), retryAfterMs);
  }

  private windowOf(tier: Tier): number {
    return Math.ceil(tier.windowMs * this.timeScale) + SLACK_RATE_MARGIN_MS;
  }

  private key(teamId: string, method: string, tier: Tier, channel: string | undefined): string {
    return tier.perChannel && channel ? `slack:${teamId}:${method}:${channel}` : `slack:${teamId}:${method}`;
  }
}

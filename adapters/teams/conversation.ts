// Sends to one Teams conversation after the inbound HTTP request has been answered: every call is a
// proactive turn (continueConversationAsync), paced by the per-conversation budget in Redis, with
// Teams' 429 turned into SinkRateLimitedError and a user's Stop (403) into ReplyStoppedError.
import type { CloudAdapter, TurnContext } from "botbuilder";
import type { Activity, ConversationReference } from "botframework-schema";
import { BotError, ReplyStoppedError, SinkRateLimitedError } from "../../src/errors.js";
import type { Logger } from "../../src/log.js";
import type { Clock } from "../../src/reply/types.js";
import type { RateBudgets } from "../../src/store/types.js";

// Bot Framework limits per bot per conversation for sends (Teams "Rate limiting for bots"): 7 per
// second, 8 per 2 seconds, 60 per 30 seconds, 1,800 per hour. A channel's threads share the
// channel's budget. A little margin covers clock skew on the way.
export const TEAMS_CONVERSATION_LIMITS = [
  { limit: 7, windowMs: 1_000 },
  { limit: 8, windowMs: 2_000 },
  { limit: 60, windowMs: 30_000 },
  { limit: 1_800, windowMs: 3_600_000 },
] as const;
const RATE_MARGIN_MS = 50;
/** Used when Teams answers 429 without a Retry-After header. */
const DEFAULT_RETRY_AFTER_MS = 1_000;

/** Error codes Teams answers with when the user pressed Stop on a streamed message. */
const USER_STOPPED_CODES = new Set(["ContentStreamNotAllowed"]);

export interface TeamsConversationOptions {
  adapter: CloudAdapter;
  appId: string;
  reference: Partial<ConversationReference>;
  budgets: RateBudgets;
  clock: Clock;
  logger: Logger;
  /** Multiplies the rate windows (tests and benchmarks). */
  timeScale?: number;
}

export class TeamsConversation {
  private readonly o: TeamsConversationOptions;
  private readonly key: string;

  constructor(options: TeamsConversationOptions) {
    this.o = options;
    const conversationId = options.reference.conversation?.id ?? "unknown";
    this.key = `teams:conv:${conversationId.split(";messageid=")[0]}`;
  }

  /** Sends an activity; returns the id Teams gave it. */
  async send(activity: Partial<Activity>): Promise<string> {
    let id = "";
    await this.call("send", async (context) => {
      const response = await context.sendActivity(activity);
      id = response?.id ?? "";
    });
    return id;
  }

  async update(activity: Partial<Activity> & { id: string }): Promise<void> {
    await this.call("update", async (context) => {
      await context.updateActivity(activity);
    });
  }

  private async call(operation: string, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.takeBudget();
    // The adapter hands errors inside a turn to onTurnError instead of rejecting: catch them here.
    let failure: unknown;
    try {
      await this.o.adapter.continueConversationAsync(this.o.appId, this.o.reference, async (context) => {
        try {
          await logic(context);
        } catch (err) {
          failure = err;
        }
      });
    } catch (err) {
      failure = err;
    }
    if (failure !== undefined) throw this.translate(operation, failure);
  }

  private async takeBudget(): Promise<void> {
    const scale = this.o.timeScale ?? 1;
    for (const { limit, windowMs } of TEAMS_CONVERSATION_LIMITS) {
      const window = Math.ceil(windowMs * scale) + RATE_MARGIN_MS;
      for (;;) {
        const waitMs = await this.o.budgets.tryTake(`${this.key}:${windowMs}`, limit, window);
        if (waitMs === 0) break;
        await this.o.clock.sleep(waitMs);
      }
    }
  }

  private translate(operation: string, err: unknown): Error {
    const e = err as {
      statusCode?: number;
      code?: string;
      message?: string;
      response?: { headers?: { get(name: string): string | undefined }; bodyAsText?: string };
    };
    const status = e.statusCode;
    const code = errorCode(e.response?.bodyAsText) ?? e.code;
    if (status === 429) {
      const header = e.response?.headers?.get("retry-after");
      const retryAfterMs =
        header && Number.isFinite(Number(header)) ? Number(header) * 1000 : DEFAULT_RETRY_AFTER_MS;
      this.o.logger.warn({ operation, retryAfterMs }, "Teams rate limit (429): waiting");
      void this.o.budgets
        .hold(`${this.key}:${TEAMS_CONVERSATION_LIMITS[0].windowMs}`, retryAfterMs)
        .catch(() => {});
      return new SinkRateLimitedError(retryAfterMs, `Teams ${operation} rate limited`, { cause: err });
    }
    if (status === 403 && (code === undefined || USER_STOPPED_CODES.has(code))) {
      return new ReplyStoppedError("the user stopped the stream", { cause: err });
    }
    this.o.logger.warn({ operation, status, code, err }, `Teams ${operation} failed`);
    return new BotError(
      "sink_failed",
      `Teams ${operation} failed (${[status ?? "no status", code].filter(Boolean).join(" ")})`,
      { status },
      { cause: err },
    );
  }
}

function errorCode(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

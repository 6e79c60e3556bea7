// Sends to one Teams conversation after the inbound HTTP request has been answered: every call is a
// proactive turn (continueConversationAsync), paced by the per-conversation budget in Redis, with
// Teams' 429 turned into SinkRateLimitedError, a user's Stop (403) into ReplyStoppedError and any other
// end of a stream on Teams' side (403) into TeamsStreamEndedError.
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

/**
 * Teams answers 403 ContentStreamNotAllowed whenever a stream is over on its side: the user's Stop
 * ("Content stream was cancelled by user.", also spelled "canceled") and other ends (the two-minute
 * limit: "Content stream finished due to exceeded streaming time.", a message too large, ...). Only
 * the wording of the Stop is keyed on (bots/streaming-ux "Error codes"; DESIGN.md).
 */
const STREAM_END_CODE = "ContentStreamNotAllowed";
const USER_STOP_WORDING = /cancel+ed by (the )?user/i;

/**
 * Teams ended a stream on its side for a reason other than the user's Stop (time limit, message
 * size, ...), or answered 403 without saying why. What the stream showed stays; the stream sink
 * goes on with the rest of the answer in a follow-up message. Elsewhere it is a failed call.
 */
export class TeamsStreamEndedError extends BotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("sink_failed", message, { status: 403 }, options);
    this.name = "TeamsStreamEndedError";
  }
}

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
    const body = errorBody(e.response?.bodyAsText);
    const code = body.code ?? e.code;
    if (status === 429) {
      const header = e.response?.headers?.get("retry-after");
      const retryAfterMs =
        header && Number.isFinite(Number(header)) ? Number(header) * 1000 : DEFAULT_RETRY_AFTER_MS;
      this.o.logger.warn({ operation, retryAfterMs }, "Teams rate limit (429): waiting");
      void this.o.budgets
        .hold(`${this.key}:${TEAMS_CONVERSATION_LIMITS[0].windowMs}`, retryAfterMs)
        .catch((holdErr: unknown) =>
          this.o.logger.warn({ err: holdErr }, "could not share Teams' Retry-After with the other replies"),
        );
      return new SinkRateLimitedError(retryAfterMs, `Teams ${operation} rate limited`, { cause: err });
    }
    if (status === 403) {
      const message = body.message ?? e.message ?? "";
      if (USER_STOP_WORDING.test(message)) {
        return new ReplyStoppedError("the user stopped the stream", { cause: err });
      }
      if (code === undefined || code === STREAM_END_CODE) {
        this.o.logger.info({ operation, code, message }, "Teams ended the stream; the answer goes on");
        return new TeamsStreamEndedError(`Teams ended the stream (${message || "403 without a reason"})`, {
          cause: err,
        });
      }
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

/** The code and message of Bot Framework's ErrorResponse {error:{code,message}}, when the body is one. */
function errorBody(body: string | undefined): { code?: string; message?: string } {
  if (!body) return {};
  try {
    const error = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    return {
      code: typeof error?.code === "string" && error.code !== "" ? error.code : undefined,
      message: typeof error?.message === "string" ? error.message : undefined,
    };
  } catch {
    return {};
  }
}

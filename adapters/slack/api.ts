// Every Web API call of the adapter goes through here: it waits for the method's rate budget,
// turns Slack's 429 into a shared hold plus SinkRateLimitedError, and turns `ok:false` answers into
// SlackApiError with the method and an operator hint in the log line.
import { WebAPIPlatformError, WebAPIRateLimitedError, type WebClient } from "@slack/web-api";
import { BotError, SinkRateLimitedError } from "../../src/errors.js";
import type { Logger } from "../../src/log.js";
import type { SlackRateLimiter } from "./rate-limiter.js";

const HINTS: Record<string, string> = {
  not_in_channel: "invite the bot to the channel (/invite @bot)",
  channel_not_found:
    "the bot cannot see this channel: invite it, or check that the app is installed in this workspace",
  msg_too_long: "the text is longer than Slack allows for this field",
  invalid_auth: "SLACK_BOT_TOKEN is wrong or revoked: reinstall the app and copy its Bot User OAuth Token",
  not_authed: "SLACK_BOT_TOKEN is missing from the request",
  token_revoked: "SLACK_BOT_TOKEN was revoked: reinstall the app",
  account_inactive: "the bot user was deactivated: reinstall the app",
  missing_scope: "add the missing scope (see `needed`) in manifest/slack and reinstall the app",
  ratelimited: "Slack rate limit: the bot waits for Retry-After",
  message_not_in_streaming_state: "the stream expired or was stopped; the reply continues with chat.update",
  channel_type_not_supported:
    "native streaming is not available in this conversation: with SLACK_STREAMING=native the bot cannot answer here; use auto",
  feature_not_enabled:
    "native streaming is not enabled for this app or workspace: with SLACK_STREAMING=native the bot cannot answer; use auto",
};

/** Slack answered `ok: false`. */
export class SlackApiError extends BotError {
  readonly method: string;
  readonly slackError: string;
  constructor(method: string, slackError: string, options?: { cause?: unknown }) {
    super("sink_failed", `${method} failed: ${slackError}`, { hint: HINTS[slackError] }, options);
    this.name = "SlackApiError";
    this.method = method;
    this.slackError = slackError;
  }
}

export function isSlackError(err: unknown, ...codes: string[]): err is SlackApiError {
  return err instanceof SlackApiError && (codes.length === 0 || codes.includes(err.slackError));
}

export class SlackApi {
  readonly teamId: string;
  private readonly client: WebClient;
  private readonly limiter: SlackRateLimiter;
  private readonly logger: Logger;

  constructor(client: WebClient, limiter: SlackRateLimiter, teamId: string, logger: Logger) {
    this.client = client;
    this.limiter = limiter;
    this.teamId = teamId;
    this.logger = logger;
  }

  /**
   * Takes one call of each of `methods` from its budget now, without waiting; false when one has no
   * room (the ones taken before it stay spent). A stream takes its start and its stop together, so
   * one that started can always end.
   */
  async reserve(...methods: string[]): Promise<boolean> {
    for (const method of methods) if ((await this.limiter.tryTake(this.teamId, method)) > 0) return false;
    return true;
  }

  /**
   * Calls `method` once its budget allows; `channel` selects per-channel budgets (chat.postMessage).
   * An `update` (an intermediate edit or append) never waits: with no room in the budget now, or on
   * a 429, it fails with SinkRateLimitedError({updatesOnly}) and the next update carries its text.
   * `reserved`: the budget was taken beforehand (reserve()).
   */
  async call<T = Record<string, unknown>>(
    method: string,
    args: Record<string, unknown>,
    channel?: string,
    options: { update?: boolean; reserved?: boolean } = {},
  ): Promise<T> {
    const updatesOnly = options.update === true;
    if (updatesOnly) {
      const waitMs = await this.limiter.tryTake(this.teamId, method, channel);
      if (waitMs > 0) throw new SinkRateLimitedError(waitMs, `${method} budget spent`, { updatesOnly });
    } else if (!options.reserved) {
      await this.limiter.take(this.teamId, method, channel);
    }
    try {
      return (await this.client.apiCall(method, args)) as T;
    } catch (err) {
      if (err instanceof WebAPIRateLimitedError) {
        const retryAfterMs = Math.max(1, err.retryAfter) * 1000;
        this.logger.warn(
          { method, retryAfterMs, team: this.teamId },
          "Slack rate limit (429): holding this method",
        );
        await this.limiter.hold(this.teamId, method, retryAfterMs, channel);
        throw new SinkRateLimitedError(retryAfterMs, `${method} rate limited`, { cause: err, updatesOnly });
      }
      if (err instanceof WebAPIPlatformError) {
        const error = new SlackApiError(method, err.data.error, { cause: err });
        const expected = err.data.error === "message_not_in_streaming_state";
        this.logger[expected ? "info" : "warn"](
          {
            method,
            slackError: err.data.error,
            needed: (err.data as { needed?: string }).needed,
            hint: error.details.hint,
          },
          `Slack ${method} failed: ${err.data.error}`,
        );
        throw error;
      }
      this.logger.warn({ method, err }, `Slack ${method} request failed`);
      throw err;
    }
  }
}

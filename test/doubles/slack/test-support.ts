// For tests that drive the Slack double: the real WebClient configured as the bot will use it
// (no retries, 429 rejected), the error code of a refused call, and a manual clock.
import { type Logger, LogLevel, WebClient } from "@slack/web-api";
import { DEFAULT_TEAM, type SlackDouble } from "./web-api-double.js";

export const ALICE = DEFAULT_TEAM.users[0].id;
export const BOB = DEFAULT_TEAM.users[1].id;
export const TEAM = DEFAULT_TEAM.teamId;
export const BOT_USER = DEFAULT_TEAM.botUserId;

export function webClient(double: SlackDouble, token: string = DEFAULT_TEAM.botToken): WebClient {
  return new WebClient(token, {
    slackApiUrl: double.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: QUIET_LOGGER,
  });
}

/** WebClient logs Slack's `[ERROR]` response messages; tests assert on them instead. */
const QUIET_LOGGER: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

/** The Slack error code of a rejected WebClient call. */
export async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const data = (error as { data?: { error?: string } }).data;
    if (data?.error) return data.error;
    throw error;
  }
  throw new Error("the call succeeded");
}

/** A controllable clock for the double's `now` option. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance(ms: number): void } {
  let time = start;
  return {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
  };
}

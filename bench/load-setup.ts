// The knobs of the Slack and Teams load benchmarks (`npm run bench -- slack --concurrency 20 ...`).
import type { ModelPace } from "./model-double.js";

export interface LoadSetup extends ModelPace {
  /** Replies at once: mentions in as many channels (Slack), personal chats (Teams). */
  concurrency: number;
}

export const MODEL_DEFAULTS: ModelPace = { tokens: 200, tokenDelayMs: 25, ttftMs: 200 };
export const SLACK_CONCURRENCY = 20;
export const TEAMS_CONCURRENCY = 10;
/** The inbound requests of a phase are spread evenly over this long. */
export const SPREAD_MS = 1_000;

export const describeModel = (s: ModelPace) =>
  `first token at ${s.ttftMs} ms, then ${s.tokens} Markdown tokens ${s.tokenDelayMs} ms apart`;

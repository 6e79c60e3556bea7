// The Slack double's public shapes: its options, what it records, and the test-facing API.
import type { types } from "@slack/bolt";
import type { AgentSession } from "./agent-methods.js";
import type { Surfaces } from "./method-context.js";
import type { BodyKind } from "./method-spec.js";
import type { RateRule } from "./rate-limiter.js";
import type {
  ChannelConfig,
  EphemeralMessage,
  StoredMessage,
  TeamConfig,
  VisibleMessage,
} from "./workspace.js";

export interface SlackDoubleOptions {
  /** Workspaces to serve (default: DEFAULT_TEAM). */
  teams?: TeamConfig[];
  /** Multiplies every rate window (default 1). Retry-After stays ≥ 1 s. */
  timeScale?: number;
  /** Per-method overrides of DEFAULT_RATE_RULES; null turns a method's limit off. */
  rateLimits?: Record<string, RateRule | null>;
  /** false: no rate limiting at all (default true). */
  rateLimiting?: boolean;
  /** A stream stops accepting appends this long after chat.startStream (default STREAM_LIFETIME_MS). Not scaled. */
  streamExpiryMs?: number;
  /** Set: a stream also expires after this long without an append. Not scaled. Default: off. */
  streamIdleExpiryMs?: number;
  /** Unknown channel IDs answer channel_not_found instead of being created (default false). */
  strictChannels?: boolean;
  /** channel ID or "*" → the error chat.startStream answers there. */
  streamingUnavailable?: Record<string, string>;
  /** Delay before answering, per call. */
  latencyMs?: number | ((method: string) => number);
  /** Clock for timestamps, rate windows and stream expiry (default Date.now). */
  now?: () => number;
  /** Keep every call in `calls` (default true). */
  record?: boolean;
}

export interface RecordedCall {
  method: string;
  /** Decoded arguments (JSON arguments parsed, form booleans and numbers typed), without the token. */
  args: Record<string, unknown>;
  bodyKind: BodyKind;
  /** The caller's workspace; undefined when authentication failed. */
  team: string | undefined;
  /** Clock time the call arrived. */
  time: number;
  status: number;
  body: Record<string, unknown>;
}

export interface SlackSpecViolation {
  method: string;
  direction: "request" | "response";
  errors: string[];
  payload: unknown;
}

export interface FailOptions {
  /** How many calls fail (default 1). */
  times?: number;
  /** HTTP status (default 200, Slack's status for ok:false). 429 adds Retry-After. */
  status?: number;
  /** Retry-After for status 429 (default 1). */
  retryAfterSeconds?: number;
}

export interface SeedMessage {
  channel: string;
  user?: string;
  text?: string;
  /** Default: the next ts of the channel. */
  ts?: string;
  threadTs?: string;
  /** Default: the channel's workspace, or the first one. */
  teamId?: string;
  blocks?: unknown[];
  subtype?: string;
  botId?: string;
}

export interface SlackDouble {
  /** The slackApiUrl, ending in /api/. */
  url: string;
  calls: RecordedCall[];
  specViolations: SlackSpecViolation[];
  /** 429 answers per method (the double's own and injected ones). */
  rateLimited: Record<string, number>;
  addTeam(config: TeamConfig): void;
  addChannel(id: string, config?: Partial<ChannelConfig>): void;
  /** Puts a (human) message in a channel or thread; returns its ts. */
  seedMessage(message: SeedMessage): string;
  /** The thread as a user sees it: parent first, then replies. */
  thread(channel: string, threadTs: string): VisibleMessage[];
  /** Every live message of a channel, thread replies included, oldest first. */
  channelMessages(channel: string): VisibleMessage[];
  visibleText(channel: string, ts: string): string | undefined;
  /** The stored message itself (stream state, parts, raw fields). */
  message(channel: string, ts: string): StoredMessage | undefined;
  ephemerals(channel?: string): EphemeralMessage[];
  /** The assistant status shown in a thread now (cleared by an empty status or a bot reply). */
  status(channel: string, threadTs: string): string | undefined;
  readonly surfaces: Surfaces;
  /** Ends a stream as Slack's timeout does. */
  expireStream(channel: string, ts: string): void;
  /** The user pressed stop on a stream: appends answer stopped_by_user. */
  stopStreamAsUser(channel: string, ts: string): void;
  /**
   * The user pressed the agent session's Stop button: Slack stops the thread's streaming messages
   * (later appends answer stopped_by_user) and sends agent_session_stopped with their ts. The
   * session's status stays as it was: Slack leaves that to the app. Returns the event.
   */
  stopSession(channel: string, threadTs: string, user: string): types.AgentSessionStoppedEvent;
  /** The user renamed the session in Slack; returns the agent_session_title_changed event. */
  renameSession(
    channel: string,
    threadTs: string,
    user: string,
    title: string,
    teamId?: string,
  ): types.AgentSessionTitleChangedEvent;
  /**
   * A response_url for an interactivity payload on behalf of `user` in `channel`: what the app
   * POSTs there shows as an ephemeral message (ephemerals()).
   */
  responseUrl(channel: string, user: string, threadTs?: string): string;
  /** The agent session of a thread, if one was created. */
  session(channel: string, threadTs: string): AgentSession | undefined;
  /** chat.startStream in `channel` ("*": everywhere) answers `error`; null makes it available again. */
  setStreamingUnavailable(channel: string, error?: string | null): void;
  /**
   * The next call(s) of `method` ("*": any) answer `error`, which must be one Slack's docs list for
   * the method (or a common error) unless `status` is not 200; throws otherwise. An injected
   * message_not_in_streaming_state or stopped_by_user to chat.appendStream / chat.stopStream also
   * ends that stream (expired; stopped by the user).
   */
  failNext(method: string, error: string, options?: FailOptions): void;
  setLatency(method: string, ms: number): void;
  callsTo(method: string): RecordedCall[];
  resetRateLimits(): void;
  /** Clears calls, violations, counters, pending failures and rate windows (not the messages). */
  reset(): void;
  close(): Promise<void>;
}

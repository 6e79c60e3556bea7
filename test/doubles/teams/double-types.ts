// The Teams connector double's public shapes: options, what it records, and the test-facing API.
import type {
  Conversation,
  ConversationConfig,
  ConversationStore,
  MemberConfig,
  TeamConfig,
  VisibleMessage,
} from "./conversation-model.js";
import type { FailNextOptions } from "./failures.js";
import type { Violation } from "./handler-context.js";
import type { RateBucket } from "./limits.js";
import type { RateRule } from "./rate-limiter.js";
import type { Route } from "./routes.js";

export interface ConnectorDoubleOptions {
  /** Conversations known from the start; others are created on first use unless strictConversations. */
  conversations?: ConversationConfig[];
  teams?: TeamConfig[];
  /**
   * Multiplies the default stream pacing (1 s), stream lifetime (2 min) and every rate window
   * (default 1; 0.01 makes the lifetime 1.2 s). Retry-After stays whole seconds, at least 1.
   */
  timeScale?: number;
  /** Minimum time between two requests of one stream, taken as given (not scaled). */
  streamMinIntervalMs?: number;
  /** A stream's lifetime from its first request, taken as given (not scaled). */
  streamLifetimeMs?: number;
  /**
   * Teams' time limit at a point of the answer rather than of the clock: a stream ends for time once
   * it has accepted this many streaming requests (its first included); the next one gets 403
   * "Content stream finished due to exceeded streaming time.". Default: off (the lifetime alone).
   */
  streamEndsAfterRequests?: number;
  /** Per-bucket overrides of DEFAULT_RATE_RULES; null turns a bucket's limits off. */
  rateLimits?: Partial<Record<RateBucket, RateRule[] | null>>;
  /** false: no per-conversation rate limits (stream pacing still applies). Default true. */
  rateLimiting?: boolean;
  /** Default MESSAGE_MAX_BYTES (100 KB, counted as UTF-16). */
  messageMaxBytes?: number;
  /**
   * The answer to streaming outside a personal chat: "badArgument" (default; 400 BadArgument whose
   * message contains "streaming api is not enabled") or "methodNotAllowed" (405, as seen early 2025).
   */
  nonPersonalStreaming?: "badArgument" | "methodNotAllowed";
  /** Roster field for the Entra object id: "objectId" (default, as documented), "aadObjectId", "both". */
  memberObjectIdField?: "objectId" | "aadObjectId" | "both";
  /** Unknown conversations answer 404 ConversationNotFound (default false: created on first use). */
  strictConversations?: boolean;
  /** Delay before answering: fixed, or per request ("POST", "/v3/conversations/.../activities"). */
  latencyMs?: number | LatencyFunction;
  /** Clock for stream timing and rate windows (default Date.now). */
  now?: () => number;
}

export type LatencyFunction = (method: string, path: string) => number;

export interface RecordedCall {
  method: string;
  /** The path with every segment decoded, region prefix included. */
  path: string;
  route: Route["kind"];
  /** Decoded, ";messageid=" kept. */
  conversationId?: string;
  activityId?: string;
  /** botbuilder's replyToActivity sends the conversation id in x-ms-conversation-id too. */
  conversationIdHeader?: string;
  /** An Authorization header came with the request (off when the bot runs with auth disabled). */
  authorized: boolean;
  /** The parsed JSON request body (undefined for GET/DELETE). */
  body: unknown;
  status: number;
  response: unknown;
  /** Response headers the double set (retry-after). */
  headers: Record<string, string>;
  /** Clock time the request arrived, and when it was answered. */
  time: number;
  answeredAt: number;
}

export interface TeamsConnectorDouble {
  /** The serviceUrl to put in inbound activities ("http://127.0.0.1:<port>/amer/"). */
  url: string;
  calls: RecordedCall[];
  violations: Violation[];
  /** 429 answers per conversation (base id, or team id), including stream pacing. */
  rateLimited: Record<string, number>;
  /** The model behind visible() and message(). */
  store: ConversationStore;
  /** Keyed by base id (a channel thread's ";messageid=" suffix removed). */
  conversations: ReadonlyMap<string, Conversation>;
  /** The conversation of any id, a channel thread's included. */
  conversation(conversationId: string): Conversation | undefined;
  /** What a Teams user sees in a conversation (a channel id: every thread; a thread id: that thread). */
  visible(conversationId: string): VisibleMessage[];
  message(conversationId: string, activityId: string): VisibleMessage | undefined;
  addConversation(config: ConversationConfig): void;
  addTeam(config: TeamConfig): void;
  addMember(conversationOrTeamId: string, member: MemberConfig): void;
  /** The user presses Stop: later requests of the stream get 403; what was shown stays. */
  stopStreamAsUser(conversationId: string, streamId: string): void;
  /**
   * Teams ends a stream on its side now: later requests of the stream get `answer` (default: the time
   * limit's 403 ContentStreamNotAllowed "Content stream finished due to exceeded streaming time.");
   * what was shown stays, and updateActivity on the message still works.
   */
  endStream(conversationId: string, streamId: string, answer?: { status: number; body?: unknown }): void;
  failNext(pattern: string | RegExp, status: number, body?: unknown, options?: FailNextOptions): void;
  setLatency(latency: number | LatencyFunction): void;
  callsTo(route: Route["kind"]): RecordedCall[];
  resetRateLimits(): void;
  /** Forgets calls, violations, 429 counts, pending failures, rate windows and messages. */
  reset(): void;
  close(): Promise<void>;
}

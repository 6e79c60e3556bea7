// What every route handler of the connector double gets, and what it answers.
import type { ConversationStore } from "./conversation-model.js";
import type { TeamsError } from "./teams-errors.js";

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function answerError(error: TeamsError, headers?: Record<string, string>): Answer {
  return { status: error.status, body: error.body, headers };
}

/** Bot behaviour Teams rejects or documents as wrong, recorded so a test can assert there is none. */
export type ViolationKind =
  | "overlapping-request"
  | "too-fast"
  | "sequence-missing"
  | "sequence-first-not-1"
  | "sequence-gap"
  | "sequence-not-increasing"
  | "sequence-on-final"
  | "text-not-cumulative"
  | "missing-text"
  | "informative-too-long"
  | "informative-after-streaming"
  | "concurrent-stream"
  | "stream-outside-personal"
  | "unknown-stream"
  | "request-after-stream-ended"
  | "bad-stream-type"
  | "message-too-large"
  | "multiple-root-message-entities"
  | "too-many-citations"
  | "unknown-activity"
  | "unknown-route"
  | "invalid-body";

export interface Violation {
  kind: ViolationKind;
  conversationId?: string;
  streamId?: string;
  detail: string;
  time: number;
}

export interface Settings {
  streamMinIntervalMs: number;
  streamLifetimeMs: number;
  /** Set: Teams ends a stream for time once it has accepted this many streaming requests. */
  streamEndsAfterRequests: number | undefined;
  messageMaxBytes: number;
  /** What a streaming request outside a personal chat gets. */
  nonPersonalStreamingError: TeamsError;
  /** The roster field that carries the Entra object id. */
  memberObjectIdField: "objectId" | "aadObjectId" | "both";
  /** Unknown conversations answer 404 ConversationNotFound instead of being created. */
  strictConversations: boolean;
}

export interface HandlerContext {
  now: number;
  body: Record<string, unknown>;
  store: ConversationStore;
  settings: Settings;
  nextActivityId(): string;
  violation(kind: ViolationKind, detail: string, streamId?: string): void;
  /** Counts a 429 the handler itself answered (stream pacing). */
  throttled(): void;
}

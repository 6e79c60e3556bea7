// The store port. Redis (redis.ts) in production, in-process (memory.ts) when REDIS_URL is unset.
// Every key of one thread carries the same Redis hash tag so it lives in one cluster slot.
import type { Hold, QuotaLimits, Reservation, TurnUsage, UsageReport, UsageWho } from "./usage.js";

export interface StoredMessage {
  role: "user" | "assistant";
  content: string;
  /** Epoch milliseconds when the message was recorded. */
  at: number;
  /** Platform user id of the author of a user message. */
  userId?: string;
  /** Token count of `content`, cached at append time, valid for `encoding`. */
  tokens?: number;
  encoding?: string;
}

export interface AppendOptions {
  /** Keep at most this many newest messages in the thread. */
  maxMessages: number;
  /** Time to live of the whole thread, refreshed on every append. */
  ttlSeconds: number;
}

export interface ConversationStore {
  /** Newest `limit` messages (all when omitted), oldest first. One round trip. */
  load(threadKey: string, limit?: number): Promise<StoredMessage[]>;
  /** Appends, caps the length and refreshes the TTL atomically in one round trip. */
  append(threadKey: string, messages: StoredMessage[], options: AppendOptions): Promise<void>;
  /** Deletes the thread's history. */
  forget(threadKey: string): Promise<void>;
}

/** Settings overrides stored per scope (a conversation, a workspace/tenant); values are strings. */
export interface SettingsStore {
  getSettings(scope: string): Promise<Record<string, string>>;
  /** Several scopes in one round trip, in the order given. */
  getSettingsMany(scopes: string[]): Promise<Record<string, string>[]>;
  setSetting(scope: string, key: string, value: string): Promise<void>;
  /** Removes one key, or every key of the scope when `key` is omitted. */
  resetSettings(scope: string, key?: string): Promise<void>;
}

/**
 * Serializes work per thread in arrival order, across processes. The lock has an owner token and a
 * lease that the holder keeps alive; a crashed holder's lease expires and the next waiter goes on.
 */
export interface ThreadLocks {
  withThreadLock<T>(threadKey: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export interface Dedupe {
  /** True the first time `id` is seen within `ttlSeconds`, false for every repeat (across processes). */
  firstSeen(id: string, ttlSeconds: number): Promise<boolean>;
}

/**
 * What the bot spends, per workspace and UTC day and month (usage.ts), and the quotas on it. Across
 * processes: a turn holds its estimated tokens while it runs, so concurrent turns see each other.
 */
export interface UsageLedger {
  /**
   * Checks `limits` for the turn of `who` at `at`: the first limit reached, or else a hold of
   * `estimate` tokens for the turn (released by recordTurnUsage, or lapsing after HOLD_TTL_MS).
   */
  reserveTurn(who: UsageWho, estimate: number, limits: QuotaLimits, at: number): Promise<Reservation>;
  /**
   * Adds a finished turn (started at `at`) and releases its hold; without `usage` (a failed turn)
   * only releases.
   */
  recordTurnUsage(
    who: UsageWho,
    usage: TurnUsage | undefined,
    hold: Hold | undefined,
    at: number,
  ): Promise<void>;
  /** A workspace's counters for one UTC day (`YYYY-MM-DD`) or month (`YYYY-MM`). */
  usageReport(workspaceScope: string, period: string): Promise<UsageReport>;
}

/**
 * Platform rate budgets shared by every reply and every bot process: a sliding window of `limit`
 * calls per `windowMs` for each key (e.g. `slack:T123:chat.update`).
 */
export interface RateBudgets {
  /** Takes one call from the budget: 0 when taken, else the ms to wait before asking again (nothing taken). */
  tryTake(key: string, limit: number, windowMs: number): Promise<number>;
  /** Holds the budget closed for `ms` (the platform answered 429 with Retry-After). */
  hold(key: string, ms: number): Promise<void>;
}

/** Threads the bot takes part in (so follow-ups without a mention are answered). */
export interface ThreadMarks {
  markThread(threadKey: string, ttlSeconds: number): Promise<void>;
  isThreadMarked(threadKey: string): Promise<boolean>;
}

/**
 * Short-lived values every bot process can read: a user's stop of a reply another process writes,
 * what a user is looking at in Slack. Each expires on its own; a missing or expired note is undefined.
 */
export interface SharedNotes {
  /** Sets `key` to `value` for `ttlSeconds`, replacing an earlier value. */
  putNote(key: string, value: string, ttlSeconds: number): Promise<void>;
  getNote(key: string): Promise<string | undefined>;
  deleteNote(key: string): Promise<void>;
}

/** One change an admin or user made: a setting, a workspace policy (quota, allow-list), a forget. */
export interface AuditEntry {
  at: number;
  platform: string;
  /** Who made it. */
  userId: string;
  /** The conversation it was made in. */
  conversationScope: string;
  /** Its workspace (or tenant). */
  workspaceScope: string;
  /** What it changed: this conversation's settings, or the workspace's. */
  scope: "conversation" | "workspace";
  action: "set" | "reset" | "forget";
  /** The setting or policy; absent for a reset of all, and for forget. */
  key?: string;
  /** The value before and after (absent: unset). */
  old?: string;
  new?: string;
}

/** The trail of changes, kept per conversation and per workspace, newest first. */
export interface AuditLog {
  recordAudit(entry: AuditEntry): Promise<void>;
  /** The newest `limit` entries of a conversation scope or a workspace scope (all its conversations). */
  listAudit(scope: string, limit: number): Promise<AuditEntry[]>;
}

export interface FeedbackEntry {
  platform: string;
  /** Settings scope of the conversation the answer was in. */
  conversationScope: string;
  threadKey: string;
  /** The platform's id of the answer message. */
  messageId: string;
  userId: string;
  reaction: "positive" | "negative";
  /** Free text the user gave with the feedback, or the answer text, when known. */
  text?: string;
  at: number;
}

export interface FeedbackStore {
  /** Records (or replaces) one user's feedback on one answer. */
  recordFeedback(entry: FeedbackEntry): Promise<void>;
  /** Newest first, at most `limit`. */
  listFeedback(conversationScope: string, limit: number): Promise<FeedbackEntry[]>;
}

export interface Store
  extends ConversationStore,
    SettingsStore,
    ThreadLocks,
    Dedupe,
    UsageLedger,
    RateBudgets,
    ThreadMarks,
    SharedNotes,
    AuditLog,
    FeedbackStore {
  readonly kind: "redis" | "memory";
  /** True when the backing service answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

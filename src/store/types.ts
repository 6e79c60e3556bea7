// The store port. Redis (redis.ts) in production, in-process (memory.ts) when REDIS_URL is unset.
// Every key of one thread carries the same Redis hash tag so it lives in one cluster slot.

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

export interface UsageRecorder {
  /** Adds token counts to the scope's running totals (per calendar month, UTC). */
  addUsage(scope: string, promptTokens: number, completionTokens: number): Promise<void>;
  getUsage(
    scope: string,
    month: string,
  ): Promise<{ promptTokens: number; completionTokens: number; turns: number }>;
}

export interface Store extends ConversationStore, SettingsStore, ThreadLocks, Dedupe, UsageRecorder {
  readonly kind: "redis" | "memory";
  /** True when the backing service answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

// The production store on Redis (ioredis). Each method is one round trip; failures surface as
// BotError("store_unavailable") within a few seconds (see redis-client.ts).
import { randomUUID } from "node:crypto";
import type { Redis, RedisOptions } from "ioredis";
import { type Logger, silentLogger } from "../log.js";
import {
  decodeFeedback,
  FEEDBACK_MAX_PER_SCOPE,
  FEEDBACK_TTL_SECONDS,
  feedbackId,
  feedbackListLimit,
  normalizeFeedback,
} from "./feedback.js";
import { LIST, RECORD } from "./feedback-scripts.js";
import { DEFAULT_KEY_PREFIX, type RedisKeys, redisKeys, utcMonth } from "./keys.js";
import { HOLD, TAKE } from "./rate-scripts.js";
import { createRedisClient, describeRedis, redisCall, storeUnavailable } from "./redis-client.js";
import { type RedisLockOptions, RedisThreadLocks } from "./redis-lock.js";
import { decodeMessage } from "./stored-message.js";
import type { AppendOptions, FeedbackEntry, Store, StoredMessage } from "./types.js";
import {
  holdMs,
  loadLimit,
  tokenCount,
  USAGE_TTL_SECONDS,
  validateAppendOptions,
  validateRateWindow,
  validateTtlSeconds,
} from "./validate.js";

export interface RedisStoreOptions {
  /** redis:// or rediss:// URL; may carry a password, which is never logged. */
  url: string;
  keyPrefix?: string;
  logger?: Logger;
  /** Lock lease, poll and refresh durations (tests shorten them). */
  lock?: RedisLockOptions;
  /** Overrides of the ioredis options (tests). */
  clientOverrides?: Partial<RedisOptions>;
  /** Clock for the usage month; tests pin it. */
  now?: () => number;
}

const USAGE_FIELDS = { prompt: "prompt", completion: "completion", turns: "turns" } as const;

export class RedisStore implements Store {
  readonly kind = "redis";
  private readonly redis: Redis;
  private readonly keys: RedisKeys;
  private readonly locks: RedisThreadLocks;
  private readonly logger: Logger;
  private readonly now: () => number;
  private closed = false;

  constructor(options: RedisStoreOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: "store" });
    this.keys = redisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    this.now = options.now ?? Date.now;
    this.redis = createRedisClient({
      url: options.url,
      logger: this.logger,
      overrides: options.clientOverrides,
    });
    this.locks = new RedisThreadLocks(this.redis, this.keys, this.logger, options.lock);
    this.logger.info({ redis: describeRedis(this.redis), keyPrefix: this.keys.prefix }, "store: redis");
  }

  async load(threadKey: string, limit?: number): Promise<StoredMessage[]> {
    const newest = loadLimit(limit);
    if (newest === 0) return []; // LRANGE -0 -1 would return everything
    const start = newest === undefined ? 0 : -newest;
    const raw = await redisCall("load", () => this.redis.lrange(this.keys.history(threadKey), start, -1));
    const messages: StoredMessage[] = [];
    for (const entry of raw) {
      const message = decodeMessage(entry);
      if (message) messages.push(message);
      else this.logger.warn({ threadKey }, "skipped an unreadable history entry");
    }
    return messages;
  }

  async append(threadKey: string, messages: StoredMessage[], options: AppendOptions): Promise<void> {
    const { maxMessages, ttlSeconds } = validateAppendOptions(options);
    if (messages.length === 0) return;
    const key = this.keys.history(threadKey);
    const results = await redisCall("append", () =>
      this.redis
        .multi()
        .rpush(key, ...messages.map((m) => JSON.stringify(m)))
        .ltrim(key, -maxMessages, -1)
        .expire(key, ttlSeconds)
        .exec(),
    );
    throwFirstError("append", results);
  }

  async forget(threadKey: string): Promise<void> {
    await redisCall("forget", () => this.redis.del(this.keys.history(threadKey)));
  }

  async getSettings(scope: string): Promise<Record<string, string>> {
    return redisCall("getSettings", () => this.redis.hgetall(this.keys.settings(scope)));
  }

  async getSettingsMany(scopes: string[]): Promise<Record<string, string>[]> {
    if (scopes.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const scope of scopes) pipeline.hgetall(this.keys.settings(scope));
    const results = await redisCall("getSettingsMany", () => pipeline.exec());
    throwFirstError("getSettingsMany", results);
    return scopes.map((_, i) => (results?.[i]?.[1] ?? {}) as Record<string, string>);
  }

  async setSetting(scope: string, key: string, value: string): Promise<void> {
    await redisCall("setSetting", () => this.redis.hset(this.keys.settings(scope), key, value));
  }

  async resetSettings(scope: string, key?: string): Promise<void> {
    const redisKey = this.keys.settings(scope);
    await redisCall("resetSettings", () =>
      key === undefined ? this.redis.del(redisKey) : this.redis.hdel(redisKey, key),
    );
  }

  async firstSeen(id: string, ttlSeconds: number): Promise<boolean> {
    const ttl = validateTtlSeconds(ttlSeconds);
    const reply = await redisCall("firstSeen", () =>
      this.redis.set(this.keys.dedupe(id), "1", "EX", ttl, "NX"),
    );
    return reply === "OK";
  }

  async addUsage(scope: string, promptTokens: number, completionTokens: number): Promise<void> {
    const key = this.keys.usage(scope, utcMonth(this.now()));
    const results = await redisCall("addUsage", () =>
      this.redis
        .multi()
        .hincrby(key, USAGE_FIELDS.prompt, tokenCount(promptTokens))
        .hincrby(key, USAGE_FIELDS.completion, tokenCount(completionTokens))
        .hincrby(key, USAGE_FIELDS.turns, 1)
        .expire(key, USAGE_TTL_SECONDS)
        .exec(),
    );
    throwFirstError("addUsage", results);
  }

  async getUsage(
    scope: string,
    month: string,
  ): Promise<{ promptTokens: number; completionTokens: number; turns: number }> {
    const hash = await redisCall("getUsage", () => this.redis.hgetall(this.keys.usage(scope, month)));
    const count = (field: string) => Number(hash[field] ?? 0);
    return {
      promptTokens: count(USAGE_FIELDS.prompt),
      completionTokens: count(USAGE_FIELDS.completion),
      turns: count(USAGE_FIELDS.turns),
    };
  }

  async tryTake(key: string, limit: number, windowMs: number): Promise<number> {
    const window = validateRateWindow(limit, windowMs);
    const reply = await redisCall("tryTake", () =>
      this.redis.eval(
        TAKE,
        2,
        this.keys.rateTakes(key),
        this.keys.rateHold(key),
        window.limit,
        window.windowMs,
        randomUUID(),
      ),
    );
    if (typeof reply !== "number")
      throw storeUnavailable("tryTake", new Error(`odd reply: ${String(reply)}`));
    return reply;
  }

  async hold(key: string, ms: number): Promise<void> {
    const hold = holdMs(ms);
    if (hold === 0) return;
    await redisCall("hold", () => this.redis.eval(HOLD, 1, this.keys.rateHold(key), hold));
  }

  async markThread(threadKey: string, ttlSeconds: number): Promise<void> {
    const ttl = validateTtlSeconds(ttlSeconds);
    await redisCall("markThread", () => this.redis.set(this.keys.threadMark(threadKey), "1", "EX", ttl));
  }

  async isThreadMarked(threadKey: string): Promise<boolean> {
    return (await redisCall("isThreadMarked", () => this.redis.exists(this.keys.threadMark(threadKey)))) > 0;
  }

  async recordFeedback(entry: FeedbackEntry): Promise<void> {
    const stored = normalizeFeedback(entry);
    await redisCall("recordFeedback", () =>
      this.redis.eval(
        RECORD,
        2,
        this.keys.feedback(stored.conversationScope),
        this.keys.feedbackOrder(stored.conversationScope),
        feedbackId(stored),
        JSON.stringify(stored),
        stored.at,
        FEEDBACK_MAX_PER_SCOPE,
        FEEDBACK_TTL_SECONDS,
      ),
    );
  }

  async listFeedback(conversationScope: string, limit: number): Promise<FeedbackEntry[]> {
    const newest = feedbackListLimit(limit);
    if (newest === 0) return [];
    const reply = await redisCall("listFeedback", () =>
      this.redis.eval(
        LIST,
        2,
        this.keys.feedback(conversationScope),
        this.keys.feedbackOrder(conversationScope),
        newest,
      ),
    );
    const entries: FeedbackEntry[] = [];
    for (const raw of Array.isArray(reply) ? reply : []) {
      const entry = typeof raw === "string" ? decodeFeedback(raw) : undefined;
      if (entry) entries.push(entry);
      else this.logger.warn({ conversationScope }, "skipped an unreadable feedback entry");
    }
    return entries;
  }

  withThreadLock<T>(threadKey: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.locks.withThreadLock(threadKey, fn, signal);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === "PONG";
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.locks.close();
    if (this.redis.status === "ready") {
      try {
        await this.redis.quit();
        return;
      } catch {
        // fall through: drop the connection
      }
    }
    this.redis.disconnect();
  }
}

/** MULTI/pipeline replies carry one error per command; the first one fails the call. */
function throwFirstError(operation: string, results: [Error | null, unknown][] | null): void {
  if (results === null) throw storeUnavailable(operation, new Error("transaction aborted"));
  const failed = results.find(([err]) => err !== null);
  if (failed) throw storeUnavailable(operation, failed[0]);
}

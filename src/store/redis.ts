// The production store on Redis or a Redis Cluster (ioredis). Each method is one round trip;
// failures surface as BotError("store_unavailable") within a few seconds (see redis-client.ts).
import { randomUUID } from "node:crypto";
import type { RedisOptions } from "ioredis";
import { type Logger, silentLogger } from "../log.js";
import { AUDIT_KEPT, AUDIT_TTL_SECONDS, auditScopes, decodeAudit } from "./audit.js";
import {
  decodeFeedback,
  FEEDBACK_MAX_PER_SCOPE,
  FEEDBACK_TTL_SECONDS,
  feedbackId,
  feedbackListLimit,
  normalizeFeedback,
} from "./feedback.js";
import { LIST, RECORD } from "./feedback-scripts.js";
import { DEFAULT_KEY_PREFIX, type KeyGroups, keyGroups, type RedisKeys, redisKeys } from "./keys.js";
import { HOLD, TAKE } from "./rate-scripts.js";
import { RedisConnection, storeUnavailable } from "./redis-client.js";
import type { NatMapping } from "./redis-connection.js";
import { RedisEntraAuth, type RedisEntraIdOptions } from "./redis-entra-auth.js";
import { type RedisLockOptions, RedisThreadLocks } from "./redis-lock.js";
import { decodeMessage } from "./stored-message.js";
import type { AppendOptions, AuditEntry, FeedbackEntry, Store, StoredMessage } from "./types.js";
import {
  DEFAULT_USAGE_RETENTION_DAYS,
  HOLD_TTL_MS,
  type Hold,
  holdEntry,
  idOf,
  QUOTA_CHECKS,
  type QuotaLimits,
  type Reservation,
  reportOf,
  type TurnUsage,
  turnIncrements,
  type UsageReport,
  type UsageWho,
  usageField,
  usagePeriods,
  usageTtls,
} from "./usage.js";
import { RECORD_TURN, RESERVE } from "./usage-scripts.js";
import {
  holdMs,
  loadLimit,
  tokenCount,
  validateAppendOptions,
  validateRateWindow,
  validateTtlSeconds,
} from "./validate.js";

export interface RedisStoreOptions {
  /** redis:// or rediss:// URL (REDIS_URL); may carry a password, which is never logged. */
  url: string;
  keyPrefix?: string;
  /** REDIS_CLUSTER: `url` is one node of a Redis Cluster. */
  cluster?: boolean;
  /** REDIS_CLUSTER_NAT_MAP: announced node address -> address to connect to. */
  natMap?: NatMapping;
  /** REDIS_COMMAND_TIMEOUT_MS: the longest wait for any Redis reply (default 3000). */
  commandTimeoutMs?: number;
  /** REDIS_ENTRA_ID: authenticate with Microsoft Entra ID tokens instead of a password. */
  entraId?: RedisEntraIdOptions;
  logger?: Logger;
  /** Lock lease, poll and refresh durations (tests shorten them). */
  lock?: RedisLockOptions;
  /** Overrides of the ioredis options, for every node of a cluster (tests). */
  clientOverrides?: Partial<RedisOptions>;
  /** Days the usage ledger keeps a day's counters (USAGE_RETENTION_DAYS). */
  usageRetentionDays?: number;
}

export class RedisStore implements Store {
  readonly kind = "redis";
  private readonly connection: RedisConnection;
  private readonly keys: RedisKeys;
  private readonly groups: KeyGroups;
  private readonly locks: RedisThreadLocks;
  private readonly logger: Logger;
  private readonly usageRetentionDays: number;
  private closed = false;

  constructor(options: RedisStoreOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: "store" });
    this.keys = redisKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    this.groups = keyGroups(this.keys);
    this.usageRetentionDays = options.usageRetentionDays ?? DEFAULT_USAGE_RETENTION_DAYS;
    this.connection = new RedisConnection({
      url: options.url,
      cluster: options.cluster,
      natMap: options.natMap,
      commandTimeoutMs: options.commandTimeoutMs,
      overrides: options.clientOverrides,
      logger: this.logger,
      auth: options.entraId ? new RedisEntraAuth(options.entraId, this.logger) : undefined,
    });
    this.locks = new RedisThreadLocks(this.connection, this.groups, this.logger, options.lock);
    this.logger.info({ redis: this.connection.where, keyPrefix: this.keys.prefix }, "store: redis");
  }

  async load(threadKey: string, limit?: number): Promise<StoredMessage[]> {
    const newest = loadLimit(limit);
    if (newest === 0) return []; // LRANGE -0 -1 would return everything
    const start = newest === undefined ? 0 : -newest;
    const raw = await this.connection.run("load", (redis) =>
      redis.lrange(this.keys.history(threadKey), start, -1),
    );
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
    const [key] = this.groups.append(threadKey);
    const results = await this.connection.run("append", (redis) =>
      redis
        .multi()
        .rpush(key, ...messages.map((m) => JSON.stringify(m)))
        .ltrim(key, -maxMessages, -1)
        .expire(key, ttlSeconds)
        .exec(),
    );
    throwFirstError("append", results);
  }

  async forget(threadKey: string): Promise<void> {
    await this.connection.run("forget", (redis) => redis.del(this.keys.history(threadKey)));
  }

  async getSettings(scope: string): Promise<Record<string, string>> {
    return this.connection.run("getSettings", (redis) => redis.hgetall(this.keys.settings(scope)));
  }

  async getSettingsMany(scopes: string[]): Promise<Record<string, string>[]> {
    if (scopes.length === 0) return [];
    // One command per scope, not a pipeline: on a cluster the scopes live on different nodes.
    // ioredis writes them back to back, so it is still one round trip.
    return this.connection.run("getSettingsMany", (redis) =>
      Promise.all(scopes.map((scope) => redis.hgetall(this.keys.settings(scope)))),
    );
  }

  async setSetting(scope: string, key: string, value: string): Promise<void> {
    await this.connection.run("setSetting", (redis) => redis.hset(this.keys.settings(scope), key, value));
  }

  async resetSettings(scope: string, key?: string): Promise<void> {
    const redisKey = this.keys.settings(scope);
    await this.connection.run("resetSettings", (redis) =>
      key === undefined ? redis.del(redisKey) : redis.hdel(redisKey, key),
    );
  }

  async firstSeen(id: string, ttlSeconds: number): Promise<boolean> {
    const ttl = validateTtlSeconds(ttlSeconds);
    const reply = await this.connection.run("firstSeen", (redis) =>
      redis.set(this.keys.dedupe(id), "1", "EX", ttl, "NX"),
    );
    return reply === "OK";
  }

  async reserveTurn(who: UsageWho, estimate: number, limits: QuotaLimits, at: number): Promise<Reservation> {
    const { day, month } = usagePeriods(at);
    const hold = { id: holdEntry(who, estimate, randomUUID()), tokens: tokenCount(estimate) };
    const checks = QUOTA_CHECKS.flatMap((q) => [
      tokenCount(limits[q.period]?.[q.scope] ?? 0),
      usageField(q.dimension, idOf(who, q.dimension), "tok"),
    ]);
    const reply = await this.connection.run("reserveTurn", (redis) =>
      redis.eval(
        RESERVE,
        3,
        ...this.groups.usage(who.workspaceScope, day, month),
        hold.id,
        HOLD_TTL_MS,
        ...checks,
        who.userId,
        who.conversationScope,
      ),
    );
    if (!Array.isArray(reply)) return { hold };
    const check = QUOTA_CHECKS[Number(reply[0]) - 1];
    if (!check) throw new Error(`reserveTurn: unexpected answer ${JSON.stringify(reply)}`);
    const limit = limits[check.period]?.[check.scope] ?? 0;
    return { exceeded: { scope: check.scope, period: check.period, limit, used: Number(reply[1]) } };
  }

  async recordTurnUsage(
    who: UsageWho,
    usage: TurnUsage | undefined,
    hold: Hold | undefined,
    at: number,
  ): Promise<void> {
    const { day, month } = usagePeriods(at);
    const ttl = usageTtls(this.usageRetentionDays);
    const increments = usage ? turnIncrements(who, usage).flat() : [];
    if (!hold && increments.length === 0) return;
    await this.connection.run("recordTurnUsage", (redis) =>
      redis.eval(
        RECORD_TURN,
        3,
        ...this.groups.usage(who.workspaceScope, day, month),
        ttl.day,
        ttl.month,
        hold?.id ?? "",
        ...increments,
      ),
    );
  }

  async usageReport(workspaceScope: string, period: string): Promise<UsageReport> {
    const hash = await this.connection.run("usageReport", (redis) =>
      redis.hgetall(this.keys.usage(workspaceScope, period)),
    );
    return reportOf(hash);
  }

  async tryTake(key: string, limit: number, windowMs: number): Promise<number> {
    const window = validateRateWindow(limit, windowMs);
    const reply = await this.connection.run("tryTake", (redis) =>
      redis.eval(TAKE, 2, ...this.groups.rate(key), window.limit, window.windowMs, randomUUID()),
    );
    if (typeof reply !== "number")
      throw storeUnavailable("tryTake", new Error(`odd reply: ${String(reply)}`));
    return reply;
  }

  async hold(key: string, ms: number): Promise<void> {
    const hold = holdMs(ms);
    if (hold === 0) return;
    await this.connection.run("hold", (redis) => redis.eval(HOLD, 1, this.keys.rateHold(key), hold));
  }

  async markThread(threadKey: string, ttlSeconds: number): Promise<void> {
    const ttl = validateTtlSeconds(ttlSeconds);
    await this.connection.run("markThread", (redis) =>
      redis.set(this.keys.threadMark(threadKey), "1", "EX", ttl),
    );
  }

  async isThreadMarked(threadKey: string): Promise<boolean> {
    return (
      (await this.connection.run("isThreadMarked", (redis) =>
        redis.exists(this.keys.threadMark(threadKey)),
      )) > 0
    );
  }

  async recordAudit(entry: AuditEntry): Promise<void> {
    const json = JSON.stringify(entry);
    const scopes = auditScopes(entry);
    // One list per scope: each its own key (and cluster slot), so one MULTI each.
    await this.connection.run("recordAudit", (redis) =>
      Promise.all(
        scopes.map(async (scope) => {
          const key = this.keys.audit(scope);
          throwFirstError(
            "recordAudit",
            await redis
              .multi()
              .lpush(key, json)
              .ltrim(key, 0, AUDIT_KEPT - 1)
              .expire(key, AUDIT_TTL_SECONDS)
              .exec(),
          );
        }),
      ),
    );
  }

  async listAudit(scope: string, limit: number): Promise<AuditEntry[]> {
    const count = Math.max(0, Math.min(AUDIT_KEPT, Math.floor(limit)));
    if (count === 0) return [];
    const raw = await this.connection.run("listAudit", (redis) =>
      redis.lrange(this.keys.audit(scope), 0, count - 1),
    );
    return raw.flatMap((json) => decodeAudit(json));
  }

  async putNote(key: string, value: string, ttlSeconds: number): Promise<void> {
    const ttl = validateTtlSeconds(ttlSeconds);
    await this.connection.run("putNote", (redis) => redis.set(this.keys.note(key), value, "EX", ttl));
  }

  async getNote(key: string): Promise<string | undefined> {
    return (await this.connection.run("getNote", (redis) => redis.get(this.keys.note(key)))) ?? undefined;
  }

  async deleteNote(key: string): Promise<void> {
    await this.connection.run("deleteNote", (redis) => redis.del(this.keys.note(key)));
  }

  async recordFeedback(entry: FeedbackEntry): Promise<void> {
    const stored = normalizeFeedback(entry);
    await this.connection.run("recordFeedback", (redis) =>
      redis.eval(
        RECORD,
        2,
        ...this.groups.feedback(stored.conversationScope),
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
    const reply = await this.connection.run("listFeedback", (redis) =>
      redis.eval(LIST, 2, ...this.groups.feedback(conversationScope), newest),
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

  /** Readiness: Redis answers; on a cluster, every master serving a slot answers. */
  ping(): Promise<boolean> {
    return this.connection.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.locks.close();
    await this.connection.close();
  }
}

/** MULTI/pipeline replies carry one error per command; the first one fails the call. */
function throwFirstError(operation: string, results: [Error | null, unknown][] | null): void {
  if (results === null) throw storeUnavailable(operation, new Error("transaction aborted"));
  const failed = results.find(([err]) => err !== null);
  if (failed) throw storeUnavailable(operation, failed[0]);
}

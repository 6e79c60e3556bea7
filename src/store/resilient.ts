// Redis with an in-process stand-in, so the bot keeps answering while Redis is unreachable. What
// has a safe local stand-in (event dedupe, thread marks, rate budgets, thread locks) uses it for the
// outage; what has none (history, settings) fails fast so the engine can answer without it and say
// so; writes (finished turns, usage, feedback) wait in a bounded queue and are stored, in order,
// when Redis is back. A probe notices the return within a second and the bot uses Redis again.
import { BotError, isBotError } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import { MemoryStore } from "./memory.js";
import type { AppendOptions, AuditEntry, FeedbackEntry, Store, StoredMessage } from "./types.js";
import type { Hold, QuotaLimits, Reservation, TurnUsage, UsageWho } from "./usage.js";

/** While Redis is down, it is asked again this often. */
export const PROBE_INTERVAL_MS = 1_000;
/** Writes kept for Redis's return; the oldest is dropped (with a log line) beyond this. */
export const MAX_PENDING_WRITES = 1_000;

export interface ResilientStoreOptions {
  logger?: Logger;
  probeIntervalMs?: number;
  maxPendingWrites?: number;
  /** Told when the outage starts and ends (metrics, readiness). */
  onAvailabilityChange?: (available: boolean) => void;
}

interface PendingWrite {
  what: string;
  write: (store: Store) => Promise<void>;
}

export class ResilientStore implements Store {
  readonly kind: Store["kind"];
  private readonly primary: Store;
  private readonly local = new MemoryStore();
  private readonly logger: Logger;
  private readonly options: Required<Omit<ResilientStoreOptions, "logger" | "onAvailabilityChange">>;
  private readonly onAvailabilityChange: ((available: boolean) => void) | undefined;
  private readonly pending: PendingWrite[] = [];
  private down = false;
  private probe: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(primary: Store, options: ResilientStoreOptions = {}) {
    this.primary = primary;
    this.kind = primary.kind;
    this.logger = (options.logger ?? silentLogger).child({ component: "store" });
    this.options = {
      probeIntervalMs: options.probeIntervalMs ?? PROBE_INTERVAL_MS,
      maxPendingWrites: options.maxPendingWrites ?? MAX_PENDING_WRITES,
    };
    this.onAvailabilityChange = options.onAvailabilityChange;
  }

  /** True during an outage: history and settings are unavailable, local stand-ins are in use. */
  get degraded(): boolean {
    return this.down;
  }

  /** Writes waiting for Redis. */
  get pendingWrites(): number {
    return this.pending.length;
  }

  // --- no stand-in: fail fast during an outage ------------------------------------------------

  load(threadKey: string, limit?: number): Promise<StoredMessage[]> {
    return this.primaryOnly((s) => s.load(threadKey, limit));
  }
  forget(threadKey: string): Promise<void> {
    return this.primaryOnly((s) => s.forget(threadKey));
  }
  getSettings(scope: string): Promise<Record<string, string>> {
    return this.primaryOnly((s) => s.getSettings(scope));
  }
  getSettingsMany(scopes: string[]): Promise<Record<string, string>[]> {
    return this.primaryOnly((s) => s.getSettingsMany(scopes));
  }
  setSetting(scope: string, key: string, value: string): Promise<void> {
    return this.primaryOnly((s) => s.setSetting(scope, key, value));
  }
  resetSettings(scope: string, key?: string): Promise<void> {
    return this.primaryOnly((s) => s.resetSettings(scope, key));
  }
  listAudit(scope: string, limit: number) {
    return this.primaryOnly((s) => s.listAudit(scope, limit));
  }

  recordAudit(entry: AuditEntry): Promise<void> {
    return this.write(`audit of ${entry.workspaceScope}`, (s) => s.recordAudit(entry));
  }

  usageReport(workspaceScope: string, period: string) {
    return this.primaryOnly((s) => s.usageReport(workspaceScope, period));
  }
  listFeedback(conversationScope: string, limit: number): Promise<FeedbackEntry[]> {
    return this.primaryOnly((s) => s.listFeedback(conversationScope, limit));
  }

  // --- writes: queued during an outage, stored in order when Redis is back --------------------

  append(threadKey: string, messages: StoredMessage[], options: AppendOptions): Promise<void> {
    return this.write(`the turn of ${threadKey}`, (s) => s.append(threadKey, messages, options));
  }
  // During an outage quotas are checked in this process alone (a user's other replicas cannot be
  // seen), against what this process held and recorded meanwhile; the record also waits for Redis.
  reserveTurn(who: UsageWho, estimate: number, limits: QuotaLimits, at: number): Promise<Reservation> {
    return this.withStandIn((s) => s.reserveTurn(who, estimate, limits, at));
  }

  async recordTurnUsage(
    who: UsageWho,
    usage: TurnUsage | undefined,
    hold: Hold | undefined,
    at: number,
  ): Promise<void> {
    // A hold taken locally is released locally; releasing an entry Redis does not have is harmless.
    if (hold) await this.local.recordTurnUsage(who, undefined, hold, at);
    if (this.down) await this.local.recordTurnUsage(who, usage, undefined, at);
    return this.write(`usage of ${who.conversationScope}`, (s) => s.recordTurnUsage(who, usage, hold, at));
  }
  recordFeedback(entry: FeedbackEntry): Promise<void> {
    return this.write(`feedback on ${entry.messageId}`, (s) => s.recordFeedback(entry));
  }

  // --- local stand-ins ------------------------------------------------------------------------

  /** Recorded locally too: a retry of an event seen during the outage stays a repeat after it. */
  async firstSeen(id: string, ttlSeconds: number): Promise<boolean> {
    const locallyFirst = await this.local.firstSeen(id, ttlSeconds);
    const first = await this.withStandIn(
      (s) => s.firstSeen(id, ttlSeconds),
      async () => locallyFirst,
    );
    return first && locallyFirst;
  }

  async markThread(threadKey: string, ttlSeconds: number): Promise<void> {
    await this.local.markThread(threadKey, ttlSeconds);
    await this.withStandIn(
      (s) => s.markThread(threadKey, ttlSeconds),
      async () => {},
    );
  }

  async isThreadMarked(threadKey: string): Promise<boolean> {
    if (await this.local.isThreadMarked(threadKey)) return true;
    return this.withStandIn(
      (s) => s.isThreadMarked(threadKey),
      async () => false,
    );
  }

  // Notes are written to both, and read from Redis with the local copy as the stand-in: a stop
  // written during an outage still reaches this process's own replies.
  async putNote(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.local.putNote(key, value, ttlSeconds);
    await this.withStandIn(
      (s) => s.putNote(key, value, ttlSeconds),
      async () => {},
    );
  }

  async getNote(key: string): Promise<string | undefined> {
    return this.withStandIn(
      (s) => s.getNote(key),
      () => this.local.getNote(key),
    );
  }

  async deleteNote(key: string): Promise<void> {
    await this.local.deleteNote(key);
    await this.withStandIn(
      (s) => s.deleteNote(key),
      async () => {},
    );
  }

  tryTake(key: string, limit: number, windowMs: number): Promise<number> {
    return this.withStandIn((s) => s.tryTake(key, limit, windowMs));
  }

  hold(key: string, ms: number): Promise<void> {
    return this.withStandIn((s) => s.hold(key, ms));
  }

  /** Redis's cross-process lock; during an outage, this process's own FIFO (order across replicas is not kept). */
  async withThreadLock<T>(threadKey: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (!this.down) {
      let ran = false;
      try {
        return await this.primary.withThreadLock(
          threadKey,
          () => {
            ran = true;
            return fn();
          },
          signal,
        );
      } catch (err) {
        // Only a lock that could not be taken falls back; the work itself never runs twice.
        if (ran || !isBotError(err, "store_unavailable")) throw err;
        this.markDown(err);
      }
    }
    return this.local.withThreadLock(threadKey, fn, signal);
  }

  /**
   * True when Redis answers and is in use. During an outage this is a probe: Redis answering is not
   * enough until the waiting writes are in, or /readyz would say ready while turns still go without
   * history.
   */
  async ping(): Promise<boolean> {
    if (!this.down) return this.primary.ping();
    await (this.flushing ?? this.probeOnce());
    return !this.down;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.probe);
    await this.flushing;
    if (this.pending.length > 0) {
      this.logger.error(
        { pending: this.pending.length },
        "closing with writes Redis never took (it stayed unreachable); they are lost",
      );
    }
    await Promise.all([this.primary.close(), this.local.close()]);
  }

  // --------------------------------------------------------------------------------------------

  private async primaryOnly<T>(call: (store: Store) => Promise<T>): Promise<T> {
    if (this.down) throw new BotError("store_unavailable", "redis is unreachable (degraded mode)");
    try {
      return await call(this.primary);
    } catch (err) {
      if (isBotError(err, "store_unavailable")) this.markDown(err);
      throw err;
    }
  }

  /** Redis when it answers, else the stand-in (the local store's own answer by default). */
  private async withStandIn<T>(
    call: (store: Store) => Promise<T>,
    standIn: () => Promise<T> = () => call(this.local),
  ): Promise<T> {
    if (!this.down) {
      try {
        return await call(this.primary);
      } catch (err) {
        if (!isBotError(err, "store_unavailable")) throw err;
        this.markDown(err);
      }
    }
    return standIn();
  }

  private async write(what: string, write: (store: Store) => Promise<void>): Promise<void> {
    // Behind earlier waiting writes, so a thread's turns are stored in order.
    if (!this.down && this.pending.length === 0) {
      try {
        return await write(this.primary);
      } catch (err) {
        if (!isBotError(err, "store_unavailable")) throw err;
        this.markDown(err);
      }
    }
    this.pending.push({ what, write });
    if (this.pending.length > this.options.maxPendingWrites) {
      const dropped = this.pending.shift();
      this.logger.error(
        { dropped: dropped?.what, max: this.options.maxPendingWrites },
        "too many writes waiting for Redis: dropped the oldest",
      );
    }
  }

  private markDown(err: unknown): void {
    if (this.down || this.closed) return;
    this.down = true;
    this.logger.warn(
      { err: { message: (err as Error).message } },
      "redis unreachable: answering without history and settings, with in-process dedupe, locks and rate budgets, until it is back",
    );
    this.onAvailabilityChange?.(false);
    this.probe = setInterval(() => void this.probeOnce(), this.options.probeIntervalMs);
    this.probe.unref();
  }

  /** One probe at a time: a ping slower than the interval must not start a second flush. */
  private async probeOnce(): Promise<void> {
    if (this.flushing || !this.down) return;
    this.flushing = (async () => {
      if (await this.primary.ping().catch(() => false)) await this.flush();
    })().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  /** Stores the waiting writes in order; Redis is used again once they are all in. */
  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const next = this.pending[0] as PendingWrite;
      try {
        await next.write(this.primary);
      } catch (err) {
        if (isBotError(err, "store_unavailable")) return; // down again: the next probe retries
        this.logger.error({ err, what: next.what }, "a waiting write was refused by Redis; dropped");
      }
      this.pending.shift();
    }
    clearInterval(this.probe);
    this.probe = undefined;
    this.down = false;
    this.logger.info("redis is back: history, settings and shared state are in use again");
    this.onAvailabilityChange?.(true);
  }
}

// The in-process store: the local default when REDIS_URL is unset. Single process, lost on restart.
// Same contract as RedisStore: caps, TTLs (expired lazily and swept now and then), FIFO thread locks,
// rate budgets, thread marks and feedback.

import { AUDIT_KEPT, AUDIT_TTL_SECONDS, auditScopes } from "./audit.js";
import { LocalFifo } from "./local-fifo.js";
import { LocalFeedback } from "./memory-feedback.js";
import { LocalRateBudgets } from "./memory-rate.js";
import { LocalUsageLedger } from "./memory-usage.js";
import type { AppendOptions, AuditEntry, FeedbackEntry, Store, StoredMessage } from "./types.js";
import {
  DEFAULT_USAGE_RETENTION_DAYS,
  type Hold,
  type QuotaLimits,
  type Reservation,
  type TurnUsage,
  type UsageReport,
  type UsageWho,
} from "./usage.js";
import {
  holdMs,
  loadLimit,
  validateAppendOptions,
  validateRateWindow,
  validateTtlSeconds,
} from "./validate.js";

/** Expired entries are dropped on read, and all of them at most this often on write. */
const SWEEP_INTERVAL_MS = 60_000;
const MS_PER_SECOND = 1_000;

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

export interface MemoryStoreOptions {
  /** Clock in epoch milliseconds; tests advance it to check expiry. */
  now?: () => number;
  /** Days the usage ledger keeps a day's counters (USAGE_RETENTION_DAYS). */
  usageRetentionDays?: number;
}

export class MemoryStore implements Store {
  readonly kind = "memory";
  private readonly now: () => number;
  private readonly history = new Map<string, Expiring<StoredMessage[]>>();
  private readonly settings = new Map<string, Map<string, string>>();
  private readonly seen = new Map<string, number>();
  private readonly ledger: LocalUsageLedger;
  /** Thread key -> when its mark expires. */
  private readonly marks = new Map<string, number>();
  private readonly notes = new Map<string, Expiring<string>>();
  private readonly audit = new Map<string, Expiring<AuditEntry[]>>();
  private readonly locks = new LocalFifo();
  private readonly rates: LocalRateBudgets;
  private readonly feedback: LocalFeedback;
  private lastSweep: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.lastSweep = this.now();
    this.rates = new LocalRateBudgets(this.now);
    this.feedback = new LocalFeedback(this.now);
    this.ledger = new LocalUsageLedger(this.now, options.usageRetentionDays ?? DEFAULT_USAGE_RETENTION_DAYS);
  }

  async load(threadKey: string, limit?: number): Promise<StoredMessage[]> {
    const messages = this.live(this.history, threadKey) ?? [];
    const newest = loadLimit(limit);
    if (newest === 0) return []; // slice(-0) would return everything
    return (newest === undefined ? messages : messages.slice(-newest)).map(copy);
  }

  async append(threadKey: string, messages: StoredMessage[], options: AppendOptions): Promise<void> {
    const { maxMessages, ttlSeconds } = validateAppendOptions(options);
    if (messages.length === 0) return;
    this.sweepNowAndThen();
    const kept = [...(this.live(this.history, threadKey) ?? []), ...messages.map(copy)].slice(-maxMessages);
    this.history.set(threadKey, { value: kept, expiresAt: this.now() + ttlSeconds * MS_PER_SECOND });
  }

  async forget(threadKey: string): Promise<void> {
    this.history.delete(threadKey);
  }

  async getSettings(scope: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.settings.get(scope) ?? []);
  }

  async getSettingsMany(scopes: string[]): Promise<Record<string, string>[]> {
    return Promise.all(scopes.map((scope) => this.getSettings(scope)));
  }

  async setSetting(scope: string, key: string, value: string): Promise<void> {
    let hash = this.settings.get(scope);
    if (!hash) {
      hash = new Map();
      this.settings.set(scope, hash);
    }
    hash.set(key, value);
  }

  async resetSettings(scope: string, key?: string): Promise<void> {
    if (key === undefined) {
      this.settings.delete(scope);
      return;
    }
    const hash = this.settings.get(scope);
    hash?.delete(key);
    if (hash?.size === 0) this.settings.delete(scope);
  }

  async firstSeen(id: string, ttlSeconds: number): Promise<boolean> {
    const ttl = validateTtlSeconds(ttlSeconds);
    this.sweepNowAndThen();
    const now = this.now();
    const expiresAt = this.seen.get(id);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.seen.set(id, now + ttl * MS_PER_SECOND);
    return true;
  }

  async reserveTurn(who: UsageWho, estimate: number, limits: QuotaLimits, at: number): Promise<Reservation> {
    this.sweepNowAndThen();
    return this.ledger.reserve(who, estimate, limits, at);
  }

  async recordTurnUsage(
    who: UsageWho,
    usage: TurnUsage | undefined,
    hold: Hold | undefined,
    at: number,
  ): Promise<void> {
    this.ledger.record(who, usage, hold, at);
  }

  async usageReport(workspaceScope: string, period: string): Promise<UsageReport> {
    return this.ledger.report(workspaceScope, period);
  }

  async tryTake(key: string, limit: number, windowMs: number): Promise<number> {
    const window = validateRateWindow(limit, windowMs);
    this.sweepNowAndThen();
    return this.rates.tryTake(key, window.limit, window.windowMs);
  }

  async hold(key: string, ms: number): Promise<void> {
    const hold = holdMs(ms);
    if (hold > 0) this.rates.hold(key, hold);
  }

  async markThread(threadKey: string, ttlSeconds: number): Promise<void> {
    const ttl = validateTtlSeconds(ttlSeconds);
    this.sweepNowAndThen();
    this.marks.set(threadKey, this.now() + ttl * MS_PER_SECOND);
  }

  async isThreadMarked(threadKey: string): Promise<boolean> {
    const expiresAt = this.marks.get(threadKey);
    if (expiresAt === undefined) return false;
    if (expiresAt > this.now()) return true;
    this.marks.delete(threadKey);
    return false;
  }

  async recordAudit(entry: AuditEntry): Promise<void> {
    this.sweepNowAndThen();
    for (const scope of auditScopes(entry)) {
      const list = [{ ...entry }, ...(this.live(this.audit, scope) ?? [])].slice(0, AUDIT_KEPT);
      this.audit.set(scope, { value: list, expiresAt: this.now() + AUDIT_TTL_SECONDS * MS_PER_SECOND });
    }
  }

  async listAudit(scope: string, limit: number): Promise<AuditEntry[]> {
    return (this.live(this.audit, scope) ?? [])
      .slice(0, Math.max(0, Math.floor(limit)))
      .map((e) => ({ ...e }));
  }

  async putNote(key: string, value: string, ttlSeconds: number): Promise<void> {
    const ttl = validateTtlSeconds(ttlSeconds);
    this.sweepNowAndThen();
    this.notes.set(key, { value, expiresAt: this.now() + ttl * MS_PER_SECOND });
  }

  async getNote(key: string): Promise<string | undefined> {
    return this.live(this.notes, key);
  }

  async deleteNote(key: string): Promise<void> {
    this.notes.delete(key);
  }

  async recordFeedback(entry: FeedbackEntry): Promise<void> {
    this.sweepNowAndThen();
    this.feedback.record(entry);
  }

  async listFeedback(conversationScope: string, limit: number): Promise<FeedbackEntry[]> {
    return this.feedback.list(conversationScope, limit);
  }

  withThreadLock<T>(threadKey: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.locks.run(threadKey, fn, signal);
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    // Nothing to release: the data goes with the process.
  }

  private live<T>(map: Map<string, Expiring<T>>, key: string): T | undefined {
    const entry = map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  private sweepNowAndThen(): void {
    const now = this.now();
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [key, entry] of this.history) if (entry.expiresAt <= now) this.history.delete(key);
    this.ledger.sweep(now);
    for (const [id, expiresAt] of this.seen) if (expiresAt <= now) this.seen.delete(id);
    for (const [key, expiresAt] of this.marks) if (expiresAt <= now) this.marks.delete(key);
    for (const [key, entry] of this.notes) if (entry.expiresAt <= now) this.notes.delete(key);
    for (const [key, entry] of this.audit) if (entry.expiresAt <= now) this.audit.delete(key);
    this.rates.sweep(now);
    this.feedback.sweep(now);
  }
}

/** Callers must not be able to change stored history through a returned or passed-in object. */
function copy(message: StoredMessage): StoredMessage {
  return { ...message };
}

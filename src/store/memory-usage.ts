// The usage ledger in one process (memory.ts), field for field what usage-scripts.ts keeps in Redis:
// one counter map per workspace and UTC day or month, expiring after the retention.
import { randomUUID } from "node:crypto";
import {
  HOLD_TTL_MS,
  type Hold,
  holdEntry,
  idOf,
  parseHold,
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
import { tokenCount } from "./validate.js";

interface Counters {
  fields: Map<string, number>;
  expiresAt: number;
}

export class LocalUsageLedger {
  readonly #periods = new Map<string, Counters>();
  /** Workspace → hold entry → deadline. */
  readonly #holds = new Map<string, Map<string, number>>();
  readonly #now: () => number;
  readonly #ttl: { day: number; month: number };

  constructor(now: () => number, retentionDays: number) {
    this.#now = now;
    this.#ttl = usageTtls(retentionDays);
  }

  reserve(who: UsageWho, estimate: number, limits: QuotaLimits, at: number): Reservation {
    const periods = this.#both(who.workspaceScope, at);
    const holds = this.#liveHolds(who.workspaceScope);
    const held = { u: 0, c: 0, w: 0, m: 0 };
    for (const entry of holds.keys()) {
      const hold = parseHold(entry);
      if (!hold) continue;
      if (hold.userId === who.userId) held.u += hold.tokens;
      if (hold.conversationScope === who.conversationScope) held.c += hold.tokens;
      held.w += hold.tokens;
    }
    for (const check of QUOTA_CHECKS) {
      const limit = tokenCount(limits[check.period]?.[check.scope] ?? 0);
      if (limit <= 0) continue;
      const field = usageField(check.dimension, idOf(who, check.dimension), "tok");
      const used = (periods[check.period].fields.get(field) ?? 0) + held[check.dimension];
      if (used >= limit) return { exceeded: { scope: check.scope, period: check.period, limit, used } };
    }
    const hold = { id: holdEntry(who, estimate, randomUUID()), tokens: tokenCount(estimate) };
    holds.set(hold.id, this.#now() + HOLD_TTL_MS);
    this.#holds.set(who.workspaceScope, holds);
    return { hold };
  }

  record(who: UsageWho, usage: TurnUsage | undefined, hold: Hold | undefined, at: number): void {
    if (hold) this.#holds.get(who.workspaceScope)?.delete(hold.id);
    if (!usage) return;
    const periods = this.#both(who.workspaceScope, at);
    for (const counters of [periods.day, periods.month]) {
      for (const [field, n] of turnIncrements(who, usage)) add(counters.fields, field, n);
    }
  }

  report(workspaceScope: string, period: string): UsageReport {
    const counters = this.#live(`${workspaceScope}\u0000${period}`);
    return reportOf(Object.fromEntries(counters?.fields ?? []));
  }

  sweep(now: number): void {
    for (const [key, counters] of this.#periods) if (counters.expiresAt <= now) this.#periods.delete(key);
    for (const workspace of this.#holds.keys()) this.#liveHolds(workspace);
  }

  /** A workspace's holds, lapsed ones dropped. */
  #liveHolds(workspaceScope: string): Map<string, number> {
    const holds = this.#holds.get(workspaceScope) ?? new Map<string, number>();
    const now = this.#now();
    for (const [entry, deadline] of holds) if (deadline <= now) holds.delete(entry);
    if (holds.size > 0) this.#holds.set(workspaceScope, holds);
    else this.#holds.delete(workspaceScope);
    return holds;
  }

  #both(workspaceScope: string, at: number): { day: Counters; month: Counters } {
    const { day, month } = usagePeriods(at);
    return {
      day: this.#open(`${workspaceScope}\u0000${day}`, this.#ttl.day),
      month: this.#open(`${workspaceScope}\u0000${month}`, this.#ttl.month),
    };
  }

  #open(key: string, ttlSeconds: number): Counters {
    const counters = this.#live(key) ?? { fields: new Map(), expiresAt: 0 };
    counters.expiresAt = this.#now() + ttlSeconds * 1_000;
    this.#periods.set(key, counters);
    return counters;
  }

  #live(key: string): Counters | undefined {
    const counters = this.#periods.get(key);
    if (counters && counters.expiresAt <= this.#now()) {
      this.#periods.delete(key);
      return undefined;
    }
    return counters;
  }
}

function add(fields: Map<string, number>, field: string, n: number): void {
  fields.set(field, (fields.get(field) ?? 0) + n);
}

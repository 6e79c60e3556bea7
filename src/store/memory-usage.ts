// The usage ledger in one process (memory.ts), field for field what usage-scripts.ts keeps in Redis:
// one counter map per workspace and UTC day or month, expiring after the retention.
import {
  QUOTA_CHECKS,
  type QuotaLimits,
  type Reservation,
  reportOf,
  reservationFields,
  type TurnUsage,
  turnIncrements,
  type UsageReport,
  type UsageWho,
  usageField,
  usagePeriods,
  usageTtls,
  WORKSPACE_ID,
} from "./usage.js";
import { tokenCount } from "./validate.js";

interface Counters {
  fields: Map<string, number>;
  expiresAt: number;
}

export class LocalUsageLedger {
  readonly #periods = new Map<string, Counters>();
  readonly #now: () => number;
  readonly #ttl: { day: number; month: number };

  constructor(now: () => number, retentionDays: number) {
    this.#now = now;
    this.#ttl = usageTtls(retentionDays);
  }

  reserve(who: UsageWho, estimate: number, limits: QuotaLimits, at: number): Reservation {
    const periods = this.#both(who.workspaceScope, at);
    const ids = { u: who.userId, c: who.conversationScope, w: WORKSPACE_ID, m: "" };
    for (const check of QUOTA_CHECKS) {
      const limit = tokenCount(limits[check.period]?.[check.scope] ?? 0);
      if (limit <= 0) continue;
      const counters = periods[check.period].fields;
      const id = ids[check.dimension];
      const used =
        (counters.get(usageField(check.dimension, id, "tok")) ?? 0) +
        Math.max(0, counters.get(usageField(check.dimension, id, "res")) ?? 0);
      if (used >= limit) return { exceeded: { scope: check.scope, period: check.period, limit, used } };
    }
    for (const counters of [periods.day, periods.month])
      for (const field of reservationFields(who)) add(counters.fields, field, tokenCount(estimate));
    return { held: tokenCount(estimate) };
  }

  record(who: UsageWho, usage: TurnUsage | undefined, held: number, at: number): void {
    const periods = this.#both(who.workspaceScope, at);
    for (const counters of [periods.day, periods.month]) {
      for (const field of reservationFields(who)) add(counters.fields, field, -tokenCount(held));
      for (const [field, n] of usage ? turnIncrements(who, usage) : []) add(counters.fields, field, n);
    }
  }

  report(workspaceScope: string, period: string): UsageReport {
    const counters = this.#live(`${workspaceScope}\u0000${period}`);
    return reportOf(Object.fromEntries(counters?.fields ?? []));
  }

  sweep(now: number): void {
    for (const [key, counters] of this.#periods) if (counters.expiresAt <= now) this.#periods.delete(key);
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

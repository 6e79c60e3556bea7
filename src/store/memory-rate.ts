// Sliding-window rate budgets inside one process: the same rules as rate-scripts.ts, on the
// injected clock. A take counts against its budget for windowMs after it.

interface Takes {
  /** Take times, ascending. At most `limit` of them, since a full budget takes nothing. */
  at: number[];
  /** When the newest take leaves the window: the whole entry can go then. */
  expiresAt: number;
}

export class LocalRateBudgets {
  private readonly takes = new Map<string, Takes>();
  /** Budget key -> time until which it is held closed. */
  private readonly holds = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** `limit` and `windowMs` are validated by the caller. */
  tryTake(key: string, limit: number, windowMs: number): number {
    const now = this.now();
    const heldUntil = this.holds.get(key);
    if (heldUntil !== undefined) {
      if (heldUntil > now) return heldUntil - now;
      this.holds.delete(key);
    }
    const previous = this.takes.get(key);
    const at = (previous?.at ?? []).filter((t) => t > now - windowMs);
    if (at.length < limit) {
      at.push(now);
      at.sort((a, b) => a - b); // the wall clock may have stepped back
      this.takes.set(key, { at, expiresAt: now + windowMs });
      return 0;
    }
    this.takes.set(key, { at, expiresAt: previous?.expiresAt ?? now + windowMs });
    // Free once all but limit-1 takes have left (there can be more than limit if it was lowered).
    const blocking = at[at.length - limit] ?? now;
    return Math.max(1, blocking + windowMs - now);
  }

  /** Never shortens a longer hold already in place. */
  hold(key: string, ms: number): void {
    const until = this.now() + ms;
    if ((this.holds.get(key) ?? 0) < until) this.holds.set(key, until);
  }

  sweep(now: number): void {
    for (const [key, takes] of this.takes) if (takes.expiresAt <= now) this.takes.delete(key);
    for (const [key, until] of this.holds) if (until <= now) this.holds.delete(key);
  }
}

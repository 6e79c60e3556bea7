import type { Clock } from "../../src/reply/types.js";

// A clock that only moves when a test says so. advance(ms) wakes due sleepers one at a time, in
// time order, and lets the code they wake run (and schedule new sleepers) before the next one.

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

/** Resolves once every queued microtask (promise continuation) has run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #sleepers: Sleeper[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = { at: this.#now + ms, seq: this.#seq++, resolve };
      this.#sleepers.push(sleeper);
      signal?.addEventListener(
        "abort",
        () => {
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Sleepers not yet woken. */
  get pending(): number {
    return this.#sleepers.length;
  }

  /** Moves time forward by `ms`, waking every sleeper that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flush();
    for (let next = this.#nextDue(target); next; next = this.#nextDue(target)) {
      this.#now = Math.max(this.#now, next.at);
      this.#sleepers = this.#sleepers.filter((s) => s !== next);
      next.resolve();
      await flush();
    }
    this.#now = target;
    await flush();
  }

  /**
   * Advances from sleeper to sleeper until `promise` settles, and returns its outcome. Fails instead
   * of hanging when the promise is pending with nobody asleep, or after `limitMs` of fake time.
   */
  async run<T>(promise: Promise<T>, limitMs = 600_000): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    // The outcome is read below; this keeps an early rejection from being reported as unhandled.
    watched.catch(() => {});
    const deadline = this.#now + limitMs;
    await flush();
    while (!settled) {
      const next = this.#nextDue(deadline);
      if (!next) throw new Error("FakeClock.run: promise still pending and no sleeper is due");
      await this.advance(next.at - this.#now);
    }
    return watched;
  }

  #nextDue(limit: number): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.#sleepers) {
      if (s.at > limit) continue;
      if (!best || s.at < best.at || (s.at === best.at && s.seq < best.seq)) best = s;
    }
    return best;
  }
}

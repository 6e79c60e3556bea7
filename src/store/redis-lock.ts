// Per-thread FIFO lock across processes (see lock-scripts.ts for the Redis side).
//
// Every call joins the thread's Redis queue on arrival (one round trip that also says who is at the
// head), so the queue order is the arrival order across all processes. Inside a process, a release
// that hands the head to a local waiter grants it directly, so the single-process case costs one
// round trip to acquire and one to release. Only when the head belongs to another process does this
// process poll, once per thread however many of its tasks wait. One heartbeat per process extends
// the leases of all its tokens, waiting or holding; a crashed process's tokens lapse after a lease.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { BotError } from "../errors.js";
import type { Logger } from "../log.js";
import type { KeyGroups } from "./keys.js";
import { ENQUEUE, LEAVE, PEEK, TOUCH } from "./lock-scripts.js";
import type { RedisConnection } from "./redis-client.js";

/** A crashed holder blocks its thread for at most this long. */
export const LOCK_LEASE_MS = 10_000;
/** How often leases are extended: three chances before one lapses. */
export const LOCK_REFRESH_DIVISOR = 3;
/** Poll interval while another process holds the thread; bounds the hand-off latency. */
export const LOCK_POLL_MS = 50;
/** Random spread added to each poll so processes do not poll in lock step. */
const LOCK_POLL_JITTER = 0.2;
/** Queue and lease keys outlive every live participant's lease, and vanish when all are gone. */
const LOCK_KEY_TTL_LEASES = 3;

export interface RedisLockOptions {
  leaseMs?: number;
  pollMs?: number;
  refreshMs?: number;
}

interface Waiter {
  readonly token: string;
  /** Its ENQUEUE has been answered, so Redis knows the token. */
  enqueued: boolean;
  readonly granted: Promise<void>;
  grant(): void;
  fail(err: unknown): void;
}

interface ThreadState {
  /** Local tasks waiting for this thread, in arrival order. */
  readonly waiting: Map<string, Waiter>;
  /** The local token holding the thread, if any. */
  holder: string | undefined;
  polling: boolean;
}

function createWaiter(token: string): Waiter {
  let grant!: () => void;
  let fail!: (err: unknown) => void;
  const granted = new Promise<void>((resolve, reject) => {
    grant = resolve;
    fail = reject;
  });
  // The rejection is always observed by withThreadLock; this stops an unhandled-rejection report
  // for a waiter that fails in the instant before it is awaited.
  granted.catch(() => {});
  return { token, enqueued: false, granted, grant, fail };
}

export class RedisThreadLocks {
  private readonly threads = new Map<string, ThreadState>();
  /**
   * Tokens whose release Redis did not take (it was unreachable, or an enqueue's reply was lost), by
   * thread. Released again when the thread is next used here and on every heartbeat: after a short
   * outage their leases would otherwise hold the thread for up to a whole lease.
   */
  private readonly owed = new Map<string, Set<string>>();
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly keyTtlMs: number;
  private readonly heartbeat: NodeJS.Timeout;
  private heartbeatFailing = false;
  private closed = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly groups: KeyGroups,
    private readonly logger: Logger,
    options: RedisLockOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? LOCK_LEASE_MS;
    this.pollMs = options.pollMs ?? LOCK_POLL_MS;
    this.keyTtlMs = this.leaseMs * LOCK_KEY_TTL_LEASES;
    const refreshMs = options.refreshMs ?? Math.floor(this.leaseMs / LOCK_REFRESH_DIVISOR);
    this.heartbeat = setInterval(() => void this.refreshLeases(), refreshMs);
    this.heartbeat.unref();
  }

  async withThreadLock<T>(threadKey: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.closed) throw new BotError("shutting_down", "store is closed");
    const state = this.stateOf(threadKey);
    const waiter = createWaiter(randomUUID());
    state.waiting.set(waiter.token, waiter);
    const onAbort = () => this.abandon(threadKey, state, waiter, signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      // Sent ahead of the enqueue on the same connection (one slot, one node), so Redis sees them first.
      if (this.owed.has(threadKey)) void this.settleOwed(threadKey);
      void this.enqueue(threadKey, state, waiter);
      await waiter.granted;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    try {
      return await fn();
    } finally {
      if (state.holder === waiter.token) state.holder = undefined;
      await this.leave(threadKey, state, waiter.token);
    }
  }

  /**
   * Stops the heartbeat and pollers; local waiters fail with shutting_down and leave their queues.
   * A lock still held is not released here (its work is still running): it lapses after its lease.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    const leaving: Promise<void>[] = [];
    for (const [threadKey, state] of this.threads) {
      for (const waiter of [...state.waiting.values()]) {
        state.waiting.delete(waiter.token);
        waiter.fail(new BotError("shutting_down", "store is closed"));
        if (waiter.enqueued) leaving.push(this.leave(threadKey, state, waiter.token));
      }
    }
    await Promise.all(leaving);
  }

  private stateOf(threadKey: string): ThreadState {
    let state = this.threads.get(threadKey);
    if (!state) {
      state = { waiting: new Map(), holder: undefined, polling: false };
      this.threads.set(threadKey, state);
    }
    return state;
  }

  private forgetIfIdle(threadKey: string, state: ThreadState): void {
    if (
      state.waiting.size === 0 &&
      state.holder === undefined &&
      !state.polling &&
      this.threads.get(threadKey) === state
    ) {
      this.threads.delete(threadKey);
    }
  }

  private async enqueue(threadKey: string, state: ThreadState, waiter: Waiter): Promise<void> {
    let head: unknown;
    try {
      head = await this.connection.run("lock enqueue", (redis) =>
        redis.eval(ENQUEUE, 2, ...this.groups.lock(threadKey), waiter.token, this.leaseMs, this.keyTtlMs),
      );
    } catch (err) {
      // The push may have happened with the reply lost: released like any other owed token.
      this.owe(threadKey, waiter.token);
      if (state.waiting.get(waiter.token) === waiter) state.waiting.delete(waiter.token);
      waiter.fail(err);
      this.forgetIfIdle(threadKey, state);
      return;
    }
    waiter.enqueued = true;
    if (state.waiting.get(waiter.token) !== waiter) {
      // Aborted or closed while the enqueue was in flight: take the token back out.
      await this.leave(threadKey, state, waiter.token);
      return;
    }
    this.onHead(threadKey, state, head);
  }

  /** Grants the lock to the head if it is one of ours, else makes sure someone here is polling. */
  private onHead(threadKey: string, state: ThreadState, head: unknown): void {
    const waiter = typeof head === "string" ? state.waiting.get(head) : undefined;
    if (waiter?.enqueued && state.holder === undefined) {
      state.waiting.delete(waiter.token);
      state.holder = waiter.token;
      waiter.grant();
      return;
    }
    this.ensurePolling(threadKey, state);
  }

  private hasEnqueuedWaiter(state: ThreadState): boolean {
    for (const waiter of state.waiting.values()) if (waiter.enqueued) return true;
    return false;
  }

  private ensurePolling(threadKey: string, state: ThreadState): void {
    if (state.polling || this.closed || state.holder !== undefined || !this.hasEnqueuedWaiter(state)) return;
    state.polling = true;
    void this.poll(threadKey, state);
  }

  private async poll(threadKey: string, state: ThreadState): Promise<void> {
    const active = () => !this.closed && state.holder === undefined && this.hasEnqueuedWaiter(state);
    try {
      while (active()) {
        await sleep(this.pollMs * (1 + Math.random() * LOCK_POLL_JITTER));
        if (!active()) break;
        const head = await this.connection.run("lock poll", (redis) =>
          redis.eval(PEEK, 2, ...this.groups.lock(threadKey), this.keyTtlMs),
        );
        this.onHead(threadKey, state, head);
      }
    } catch (err) {
      // Redis is down: fail fast rather than wait for an unknown time; their tokens are released
      // when Redis answers again (or lapse with their leases).
      for (const waiter of state.waiting.values()) {
        if (waiter.enqueued) this.owe(threadKey, waiter.token);
        waiter.fail(err);
      }
      state.waiting.clear();
    } finally {
      state.polling = false;
      this.forgetIfIdle(threadKey, state);
    }
  }

  /** An aborted waiter leaves the queue; the rest keep their place. */
  private abandon(threadKey: string, state: ThreadState, waiter: Waiter, reason: unknown): void {
    if (state.waiting.get(waiter.token) !== waiter) return; // already granted or failed
    state.waiting.delete(waiter.token);
    waiter.fail(reason);
    // Not yet enqueued: enqueue() sees the waiter gone when its reply comes and leaves then.
    if (waiter.enqueued) void this.leave(threadKey, state, waiter.token);
  }

  private async leave(threadKey: string, state: ThreadState, token: string, retry = false): Promise<void> {
    try {
      const head = await this.connection.run("lock release", (redis) =>
        redis.eval(LEAVE, 2, ...this.groups.lock(threadKey), token, this.keyTtlMs),
      );
      this.onHead(threadKey, state, head);
    } catch (err) {
      // Not refreshed any more, the lease lapses by itself; the release is sent again when Redis
      // answers, which after a short outage is sooner.
      this.owe(threadKey, token);
      if (!retry) {
        this.logger.warn(
          { err: { message: (err as Error).message } },
          "could not release a thread lock; released when Redis answers, or it lapses with its lease",
        );
      }
      this.ensurePolling(threadKey, state);
    } finally {
      this.forgetIfIdle(threadKey, state);
    }
  }

  private owe(threadKey: string, token: string): void {
    const tokens = this.owed.get(threadKey) ?? new Set<string>();
    this.owed.set(threadKey, tokens.add(token));
  }

  /** Sends the releases Redis did not take, for one thread or all. */
  private async settleOwed(only?: string): Promise<void> {
    const threads = only === undefined ? [...this.owed.keys()] : [only];
    await Promise.all(
      threads.map(async (threadKey) => {
        const tokens = this.owed.get(threadKey);
        this.owed.delete(threadKey);
        for (const token of tokens ?? []) await this.leave(threadKey, this.stateOf(threadKey), token, true);
      }),
    );
  }

  /**
   * One TOUCH per thread this process takes part in, sent back to back (one round trip). Not one
   * pipeline: on a cluster the threads live on different nodes.
   */
  private async refreshLeases(): Promise<void> {
    const touches: Promise<void>[] = [this.settleOwed()];
    for (const [threadKey, state] of this.threads) {
      const tokens = [...state.waiting.values()].filter((w) => w.enqueued).map((w) => w.token);
      if (state.holder !== undefined) tokens.push(state.holder);
      if (tokens.length === 0) continue;
      touches.push(this.touch(threadKey, state, tokens));
    }
    await Promise.all(touches);
  }

  private async touch(threadKey: string, state: ThreadState, tokens: string[]): Promise<void> {
    let lost: unknown;
    try {
      lost = await this.connection.run("lock refresh", (redis) =>
        redis.eval(TOUCH, 2, ...this.groups.lock(threadKey), this.leaseMs, this.keyTtlMs, ...tokens),
      );
    } catch (err) {
      this.noteRefreshFailure(err as Error);
      return;
    }
    this.heartbeatFailing = false;
    if (Array.isArray(lost)) for (const token of lost) this.onLost(threadKey, state, String(token));
  }

  private noteRefreshFailure(err: Error): void {
    if (this.heartbeatFailing) return;
    this.heartbeatFailing = true;
    this.logger.warn({ err: { message: err.message } }, "could not extend thread lock leases");
  }

  /** This process stalled past a lease and was dropped from a queue. */
  private onLost(threadKey: string, state: ThreadState, token: string): void {
    if (state.holder === token) {
      // fn cannot be stopped from here; the next owner may already run. Worth an alert.
      this.logger.error({ threadKey }, "thread lock lease lapsed while held; work may have overlapped");
      return;
    }
    const waiter = state.waiting.get(token);
    if (!waiter) return;
    this.logger.warn({ threadKey }, "thread lock waiter lapsed; joining the queue again");
    waiter.enqueued = false;
    void this.enqueue(threadKey, state, waiter);
  }
}

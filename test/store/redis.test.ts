import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { redisKeys } from "../../src/store/keys.js";
import type { RedisStore } from "../../src/store/redis.js";
import { DEFAULT_USAGE_RETENTION_DAYS, HOLD_TTL_MS, usagePeriods, usageTtls } from "../../src/store/usage.js";
import { message, storeContract } from "./contract.js";
import { type RedisHarness, redisHarness } from "./redis-harness.js";

storeContract("redis", () => redisHarness());

const SECOND_MS = 1_000;
/** Short leases so the crash tests finish quickly. */
const TEST_LEASE_MS = 300;
const TEST_POLL_MS = 10;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe("redis store specifics", () => {
  let h: RedisHarness;
  let store: RedisStore;
  let keys: ReturnType<typeof redisKeys>;

  before(() => {
    h = redisHarness();
    store = h.open();
    keys = redisKeys(h.prefix);
  });
  after(() => h.cleanup());

  it("sets the thread TTL on append and refreshes it on the next one", async () => {
    await store.append("ttl", [message(1)], { maxMessages: 10, ttlSeconds: 100 });
    const first = await h.admin.pttl(keys.history("ttl"));
    assert.ok(first > 99 * SECOND_MS && first <= 100 * SECOND_MS, `pttl ${first}`);
    await store.append("ttl", [message(2)], { maxMessages: 10, ttlSeconds: 200 });
    const second = await h.admin.pttl(keys.history("ttl"));
    assert.ok(second > 199 * SECOND_MS && second <= 200 * SECOND_MS, `pttl ${second}`);
  });

  it("gives dedupe markers and usage counters a TTL (the retention; a month more for months)", async () => {
    await store.firstSeen("Ev-ttl", 30);
    const seen = await h.admin.pttl(keys.dedupe("Ev-ttl"));
    assert.ok(seen > 29 * SECOND_MS && seen <= 30 * SECOND_MS, `pttl ${seen}`);
    const at = Date.now();
    const who = { workspaceScope: "usage-ttl", conversationScope: "c", userId: "u" };
    const reservation = await store.reserveTurn(who, 5, { day: { user: 100 } }, at);
    const holds = await h.admin.pttl(keys.usageHolds("usage-ttl"));
    assert.ok(holds > HOLD_TTL_MS - 5_000 && holds <= HOLD_TTL_MS, `holds pttl ${holds}`);
    await store.recordTurnUsage(
      who,
      { model: "m", promptTokens: 1, completionTokens: 1, extraTokens: 0, reasoningTokens: 0, costMicros: 0 },
      "hold" in reservation ? reservation.hold : undefined,
      at,
    );
    assert.equal(await h.admin.zcard(keys.usageHolds("usage-ttl")), 0, "released");
    const ttl = usageTtls(DEFAULT_USAGE_RETENTION_DAYS);
    const { day, month } = usagePeriods(at);
    const dayTtl = await h.admin.ttl(keys.usage("usage-ttl", day));
    assert.ok(dayTtl > ttl.day - 5 && dayTtl <= ttl.day, `ttl ${dayTtl}`);
    const monthTtl = await h.admin.ttl(keys.usage("usage-ttl", month));
    assert.ok(monthTtl > ttl.month - 5 && monthTtl <= ttl.month, `ttl ${monthTtl}`);
  });

  it("skips an unreadable history entry instead of failing the load", async () => {
    await h.admin.rpush(keys.history("corrupt"), JSON.stringify(message(1)), "not json", '{"role":"system"}');
    assert.deepEqual(await store.load("corrupt"), [message(1)]);
  });

  it("leaves no lock keys behind once every task is done", async () => {
    await Promise.all([1, 2, 3].map(() => store.withThreadLock("tidy", async () => sleep(2))));
    assert.equal(await h.admin.exists(keys.lockQueue("tidy"), keys.lockLeases("tidy")), 0);
  });

  it("serializes across two processes in arrival order (FIFO across clients)", async () => {
    const [a, b] = [store, h.open()];
    const tk = "fifo-cross";
    const order: string[] = [];
    const holding = deferred();
    const release = deferred();
    const blocker = a.withThreadLock(tk, async () => {
      holding.resolve();
      await release.promise;
    });
    await holding.promise;
    const tasks: Promise<void>[] = [];
    for (let n = 0; n < 8; n++) {
      const [who, s] = n % 3 === 0 ? ["a", a] : ["b", b];
      let running = false;
      tasks.push(
        s.withThreadLock(tk, async () => {
          assert.equal(running, false);
          running = true;
          order.push(`${who}${n}`);
          await sleep(Math.random() * 5);
          running = false;
        }),
      );
      // Arrival order across processes is the order Redis saw them: wait until this one is queued.
      await waitFor(`task ${n} queued`, async () => (await h.admin.llen(keys.lockQueue(tk))) === n + 2);
    }
    release.resolve();
    await Promise.all([blocker, ...tasks]);
    assert.deepEqual(order, ["a0", "b1", "b2", "a3", "b4", "b5", "a6", "b7"]);
  });

  it("skips a crashed holder once its lease lapses", async () => {
    const tk = "crashed-token";
    // A holder that took the lock with a short lease and then died: nobody refreshes it.
    const [seconds, micros] = await h.admin.time();
    const serverNowMs = Number(seconds) * SECOND_MS + Math.floor(Number(micros) / SECOND_MS);
    await h.admin.rpush(keys.lockQueue(tk), "dead-owner");
    await h.admin.hset(keys.lockLeases(tk), "dead-owner", serverNowMs + TEST_LEASE_MS);
    const fast = h.open({ lock: { pollMs: TEST_POLL_MS } });
    const started = performance.now();
    await fast.withThreadLock(tk, async () => {});
    const waited = performance.now() - started;
    assert.ok(waited >= TEST_LEASE_MS - 50, `waited only ${waited} ms; the live lease was ignored`);
    assert.ok(waited < TEST_LEASE_MS + 1_000, `waited ${waited} ms`);
    assert.equal(await h.admin.hexists(keys.lockLeases(tk), "dead-owner"), 0);
  });

  it("skips a process that stopped while holding (its heartbeat stops)", async () => {
    const tk = "crashed-process";
    const doomed = h.open({ lock: { leaseMs: TEST_LEASE_MS, pollMs: TEST_POLL_MS } });
    const holding = deferred();
    // The work never ends; the process "crashes" by closing its client (heartbeat gone, no release).
    void doomed.withThreadLock(tk, async () => {
      holding.resolve();
      await new Promise(() => {});
    });
    await holding.promise;
    await sleep(TEST_LEASE_MS); // the holder's lease is kept alive meanwhile
    assert.equal(await h.admin.llen(keys.lockQueue(tk)), 1);
    await doomed.close();
    const survivor = h.open({ lock: { pollMs: TEST_POLL_MS } });
    const started = performance.now();
    await survivor.withThreadLock(tk, async () => {});
    assert.ok(performance.now() - started < TEST_LEASE_MS + 1_000);
  });

  it("keeps a holder's lease alive for longer than one lease", async () => {
    const tk = "long-holder";
    const holder = h.open({ lock: { leaseMs: TEST_LEASE_MS, pollMs: TEST_POLL_MS } });
    const other = h.open({ lock: { leaseMs: TEST_LEASE_MS, pollMs: TEST_POLL_MS } });
    let holderDone = false;
    const holding = deferred();
    const first = holder.withThreadLock(tk, async () => {
      holding.resolve();
      await sleep(3 * TEST_LEASE_MS);
      holderDone = true;
    });
    await holding.promise;
    await other.withThreadLock(tk, async () => {
      assert.equal(holderDone, true, "the waiter overtook a live holder");
    });
    await first;
  });

  it("puts a waiter that lapsed while stalled back in the queue", async () => {
    const tk = "lapsed-waiter";
    const holder = h.open();
    const waiterStore = h.open({ lock: { leaseMs: TEST_LEASE_MS, pollMs: TEST_POLL_MS, refreshMs: 20 } });
    const holding = deferred();
    const release = deferred();
    const first = holder.withThreadLock(tk, async () => {
      holding.resolve();
      await release.promise;
    });
    await holding.promise;
    const second = waiterStore.withThreadLock(tk, async () => "ran");
    await waitFor("waiter queued", async () => (await h.admin.llen(keys.lockQueue(tk))) === 2);
    // What another process does to a stalled waiter: drop its token and lease.
    const [, token] = await h.admin.lrange(keys.lockQueue(tk), 0, 1);
    assert.ok(token);
    await h.admin.lrem(keys.lockQueue(tk), 1, token);
    await h.admin.hdel(keys.lockLeases(tk), token);
    await waitFor("waiter queued again", async () => (await h.admin.llen(keys.lockQueue(tk))) === 2);
    release.resolve();
    await first;
    assert.equal(await second, "ran");
  });

  it("dequeues a waiter on abort so the next process is not held up", async () => {
    const tk = "abort-dequeue";
    const other = h.open({ lock: { pollMs: TEST_POLL_MS } });
    const holding = deferred();
    const release = deferred();
    const first = store.withThreadLock(tk, async () => {
      holding.resolve();
      await release.promise;
    });
    await holding.promise;
    const controller = new AbortController();
    const aborted = other.withThreadLock(tk, async () => {}, controller.signal);
    await waitFor("waiter queued", async () => (await h.admin.llen(keys.lockQueue(tk))) === 2);
    controller.abort();
    await assert.rejects(aborted, { name: "AbortError" });
    await waitFor("waiter dequeued", async () => (await h.admin.llen(keys.lockQueue(tk))) === 1);
    release.resolve();
    await first;
  });
});

// Redis down and back with the resilient store: stand-ins keep dedupe, marks, rate budgets and locks
// working, history and settings fail fast, writes wait and are stored in order when Redis returns.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { isBotError } from "../../src/errors.js";
import { createLogger } from "../../src/log.js";
import { RedisStore } from "../../src/store/redis.js";
import { ResilientStore } from "../../src/store/resilient.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-servers.js";
import { message } from "./contract.js";

const APPEND = { maxMessages: 10, ttlSeconds: 60 };
/** A call on a store known to be down returns at once, not after Redis's timeouts. */
const FAST_MS = 50;

describe("resilient store: Redis down and back", { timeout: 30_000 }, () => {
  let redis: RedisServer;
  let store: ResilientStore;
  const lines: string[] = [];
  const changes: boolean[] = [];
  before(async () => {
    redis = await startRedisServer();
    const logger = createLogger("info", { write: (line: string) => void lines.push(line) });
    store = new ResilientStore(new RedisStore({ url: redis.url, logger }), {
      logger,
      probeIntervalMs: 100,
      maxPendingWrites: 3,
      onAvailabilityChange: (up) => changes.push(up),
    });
  });
  after(async () => {
    await store.close();
    await redis.kill();
  });

  it("uses Redis while it answers", async () => {
    await store.append("t", [message(1)], APPEND);
    assert.deepEqual(await store.load("t"), [message(1)]);
    assert.equal(await store.firstSeen("ev-before", 60), true);
    assert.equal(store.degraded, false);
  });

  it("during an outage: history fails fast, stand-ins answer, writes wait (the oldest dropped past the bound)", async () => {
    await redis.kill();
    // The first call notices the outage (within the client's bounds); the rest do not wait at all.
    await assert.rejects(store.load("t"), (err) => isBotError(err, "store_unavailable"));
    assert.equal(store.degraded, true);
    assert.deepEqual(changes, [false]);
    const started = performance.now();
    await assert.rejects(store.getSettingsMany(["a", "b"]), (err) => isBotError(err, "store_unavailable"));
    assert.ok(performance.now() - started < FAST_MS, "no wait on a known-dead Redis");

    assert.equal(await store.firstSeen("ev-1", 60), true);
    assert.equal(await store.firstSeen("ev-1", 60), false, "dedupe in process");
    await store.markThread("thread-x", 60);
    assert.equal(await store.isThreadMarked("thread-x"), true);
    assert.equal(await store.tryTake("slack:T1:chat.update", 1, 60_000), 0);
    assert.ok((await store.tryTake("slack:T1:chat.update", 1, 60_000)) > 0, "rate budget in process");
    assert.equal(await store.withThreadLock("t", async () => "locked"), "locked");
    assert.equal(await store.ping(), false);

    for (const n of [2, 3, 4, 5]) await store.append("t", [message(n)], APPEND);
    assert.equal(store.pendingWrites, 3);
    assert.match(lines.join(""), /too many writes waiting for Redis: dropped the oldest/);
  });

  it("when Redis is back: the waiting writes are stored in order and Redis is used again", async () => {
    await redis.restart();
    const deadline = Date.now() + 5_000;
    while (store.degraded) {
      if (Date.now() > deadline) assert.fail("the store did not notice Redis was back");
      await sleep(20);
    }
    assert.deepEqual(changes, [false, true]);
    // A fresh server (no persistence): only what waited is there, oldest dropped, in order.
    assert.deepEqual(await store.load("t"), [message(3), message(4), message(5)]);
    assert.equal(store.pendingWrites, 0);
    assert.equal(await store.firstSeen("ev-1", 60), false, "an event seen during the outage stays a repeat");
    assert.equal(await store.ping(), true);
  });
});

// Redis down and back: calls fail fast with store_unavailable, and the same client recovers by
// itself. Uses a private redis-server on a free port so killing it disturbs no other test.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { isBotError } from "../../src/errors.js";
import { createLogger } from "../../src/log.js";
import { RedisStore } from "../../src/store/redis.js";
import { freePort, type RedisServer, startRedisServer } from "../helpers/redis-servers.js";
import { message } from "./contract.js";

/** ioredis gives up on a queued command after two reconnect attempts (≤ 2 × 1 s) plus slack. */
const FAIL_FAST_MS = 3_500;
const RECOVER_WITHIN_MS = 5_000;
const PASSWORD = "s3cret-test-passw0rd";

async function timed<T>(promise: Promise<T>): Promise<{ result: PromiseSettledResult<T>; ms: number }> {
  const started = performance.now();
  const [result] = await Promise.allSettled([promise]);
  return { result: result as PromiseSettledResult<T>, ms: performance.now() - started };
}

function assertUnavailable(result: PromiseSettledResult<unknown>, ms: number): void {
  assert.equal(result.status, "rejected");
  if (result.status === "rejected")
    assert.ok(isBotError(result.reason, "store_unavailable"), String(result.reason));
  assert.ok(ms < FAIL_FAST_MS, `took ${ms} ms to fail`);
}

describe("redis store while Redis is down", () => {
  const servers: RedisServer[] = [];
  const stores: RedisStore[] = [];
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await Promise.all(servers.map((s) => s.kill()));
  });

  it("fails fast with store_unavailable when nothing listens", async () => {
    const store = new RedisStore({ url: `redis://127.0.0.1:${await freePort()}` });
    stores.push(store);
    const load = await timed(store.load("t"));
    assertUnavailable(load.result, load.ms);
    const lock = await timed(store.withThreadLock("t", async () => "never"));
    assertUnavailable(lock.result, lock.ms);
    assert.equal(await store.ping(), false);
  });

  it("recovers by itself when Redis comes back, and never logs the password", async () => {
    const port = await freePort();
    const lines: string[] = [];
    const logger = createLogger("debug", { write: (line: string) => void lines.push(line) });
    const server = await startRedisServer(["--requirepass", PASSWORD], port);
    servers.push(server);
    const store = new RedisStore({ url: `redis://:${PASSWORD}@127.0.0.1:${port}/0`, logger });
    stores.push(store);
    await store.append("t", [message(1)], { maxMessages: 10, ttlSeconds: 60 });
    assert.deepEqual(await store.load("t"), [message(1)]);

    await server.kill();
    const down = await timed(store.load("t"));
    assertUnavailable(down.result, down.ms);
    assert.equal(await store.ping(), false);

    await server.restart();
    const deadline = Date.now() + RECOVER_WITHIN_MS;
    while (!(await store.ping())) {
      if (Date.now() > deadline) assert.fail("store did not recover");
      await sleep(50);
    }
    assert.deepEqual(await store.load("t"), [], "a fresh server without persistence");
    await store.append("t", [message(2)], { maxMessages: 10, ttlSeconds: 60 });
    assert.deepEqual(await store.load("t"), [message(2)]);
    assert.equal(await store.withThreadLock("t", async () => "locked"), "locked");

    const log = lines.join("");
    assert.match(log, /redis unavailable/);
    assert.match(log, /redis reconnected/);
    assert.ok(!log.includes(PASSWORD), "the Redis password reached a log line");
  });
});

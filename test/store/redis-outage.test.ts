// Redis down and back: calls fail fast with store_unavailable, and the same client recovers by
// itself. Uses a private redis-server on a free port so killing it disturbs no other test.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { isBotError } from "../../src/errors.js";
import { createLogger } from "../../src/log.js";
import { RedisStore } from "../../src/store/redis.js";
import { message } from "./contract.js";

/** ioredis gives up on a queued command after two reconnect attempts (≤ 2 × 1 s) plus slack. */
const FAIL_FAST_MS = 3_500;
const RECOVER_WITHIN_MS = 5_000;
const PASSWORD = "s3cret-test-passw0rd";

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  assert.ok(address && typeof address === "object");
  return address.port;
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--requirepass",
      PASSWORD,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + RECOVER_WITHIN_MS;
  while (!output.includes("Ready to accept connections")) {
    if (child.exitCode !== null || Date.now() > deadline)
      assert.fail(`redis-server did not start: ${output}`);
    await sleep(10);
  }
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL"); // a crash, not a clean shutdown
  await exited;
}

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
  const children: ChildProcess[] = [];
  const stores: RedisStore[] = [];
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await Promise.all(children.map(stopRedis));
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
    let server = await startRedis(port);
    children.push(server);
    const store = new RedisStore({ url: `redis://:${PASSWORD}@127.0.0.1:${port}/0`, logger });
    stores.push(store);
    await store.append("t", [message(1)], { maxMessages: 10, ttlSeconds: 60 });
    assert.deepEqual(await store.load("t"), [message(1)]);

    await stopRedis(server);
    const down = await timed(store.load("t"));
    assertUnavailable(down.result, down.ms);
    assert.equal(await store.ping(), false);

    server = await startRedis(port);
    children.push(server);
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

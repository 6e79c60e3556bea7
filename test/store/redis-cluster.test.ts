// The Redis store on a real three-node Redis Cluster (REDIS_CLUSTER=true): the whole store contract,
// the thread lock across two stores, keys spread over every node, a node crash and restart, a slot
// moved to another node while the store runs (ASK during the move, MOVED after it), and a failover.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { isBotError } from "../../src/errors.js";
import { createLogger } from "../../src/log.js";
import { keyGroups, redisKeys } from "../../src/store/keys.js";
import { RedisStore, type RedisStoreOptions } from "../../src/store/redis.js";
import { freePort, startCluster, type TestCluster } from "../helpers/redis-servers.js";
import { message, type StoreHarness, storeContract } from "./contract.js";

const TTL = { maxMessages: 50, ttlSeconds: 600 };
const COMMAND_TIMEOUT_MS = 1_500;
/** A call to a lost node gives up within the command timeout, plus scheduling slack. */
const FAIL_FAST_MS = COMMAND_TIMEOUT_MS + 1_000;
const RECOVER_WITHIN_MS = 8_000;
const SPREAD_THREADS = 60;

async function eventually(what: string, check: () => Promise<boolean>, withinMs = RECOVER_WITHIN_MS) {
  const deadline = Date.now() + withinMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
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

describe("redis store on a Redis Cluster", { timeout: 60_000 }, () => {
  let cluster: TestCluster;
  const stores: RedisStore[] = [];
  const prefix = `test:${randomUUID()}:`;
  const keys = redisKeys(prefix);
  const logLines: string[] = [];
  const logger = createLogger("debug", { write: (line: string) => void logLines.push(line) });

  function open(options: Partial<RedisStoreOptions> = {}): RedisStore {
    const store = new RedisStore({
      url: cluster.url,
      cluster: true,
      keyPrefix: prefix,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      logger,
      ...options,
    });
    stores.push(store);
    return store;
  }

  /** A thread whose keys live on the node at `port`. */
  async function threadOn(port: number, label: string): Promise<string> {
    for (let n = 0; ; n++) {
      const threadKey = `slack:T1:C-${label}:${n}`;
      if ((await cluster.ownerOf(keys.history(threadKey))) === port) return threadKey;
    }
  }

  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await cluster?.stop();
  });

  // The contract's stores share the cluster; the cluster goes away with the test, keys with it.
  storeContract("redis cluster", (): StoreHarness => ({ open: () => open(), cleanup: async () => {} }));

  it("keeps every key group of a script or MULTI in one slot, as the cluster computes it", async () => {
    const groups = keyGroups(keys);
    const admin = cluster.admin(cluster.ports[0] as number);
    for (const id of ["slack:T1:C1:1.2", "teams:t:19%3Aabc%40thread.tacv2:1", "a{b}c", "}{", "%7B", ""]) {
      for (const group of [
        groups.lock(id),
        groups.rate(id),
        groups.feedback(id),
        groups.append(id),
        groups.usage(id, "2026-01-31", "2026-01"),
      ]) {
        const slots = await Promise.all(group.map((key) => admin.cluster("KEYSLOT", key)));
        assert.equal(new Set(slots).size, 1, `${group.join(", ")} span slots ${slots.join(", ")}`);
      }
    }
  });

  it("spreads the keys of many threads over all three nodes", async () => {
    const store = open();
    await Promise.all(
      Array.from({ length: SPREAD_THREADS }, (_, n) => store.append(`spread:${n}`, [message(n)], TTL)),
    );
    for (const port of cluster.ports) {
      // A plain connection to one node scans that node's keys only. (Braces are literal in MATCH.)
      const pattern = `${prefix}hist:{spread:*`;
      const [, found] = await cluster.admin(port).scan("0", "MATCH", pattern, "COUNT", 100_000);
      assert.ok(found.length > 0, `node ${port} holds none of ${SPREAD_THREADS} threads`);
    }
    assert.equal(await store.ping(), true);
  });

  it("serializes one thread across two stores (two processes)", async () => {
    const [a, b] = [open(), open()];
    const ports = cluster.ports;
    const threadKey = await threadOn(ports[1] as number, "lock");
    let running = 0;
    let most = 0;
    const ran: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        (n % 2 === 0 ? a : b).withThreadLock(threadKey, async () => {
          running += 1;
          most = Math.max(most, running);
          await sleep(2);
          ran.push(n);
          running -= 1;
        }),
      ),
    );
    assert.equal(most, 1, "two tasks held the thread at once");
    assert.equal(ran.length, 12);
    assert.equal(await cluster.admin(ports[1] as number).exists(...keyGroups(keys).lock(threadKey)), 0);
  });

  it("fails fast while one node is down, keeps serving the others, and recovers by itself", async () => {
    const store = open();
    const [up, down] = [cluster.ports[0] as number, cluster.ports[2] as number];
    const onUp = await threadOn(up, "up");
    const onDown = await threadOn(down, "down");
    await store.append(onUp, [message(1)], TTL);
    await store.append(onDown, [message(1)], TTL);

    await cluster.kill(down);
    const lost = await timed(store.load(onDown));
    assertUnavailable(lost.result, lost.ms);
    assert.deepEqual(await store.load(onUp), [message(1)], "the live nodes keep serving their slots");
    assert.equal(await store.ping(), false, "readiness says a master is lost");

    await cluster.restart(down);
    await cluster.waitOk();
    await eventually(
      "the restarted node to serve again",
      async () => (await store.load(onDown)).length === 0,
    );
    await store.append(onDown, [message(2)], TTL);
    assert.deepEqual(await store.load(onDown), [message(2)], "a fresh node without persistence");
    await eventually("readiness to recover", () => store.ping());
    const log = logLines.join("");
    assert.match(log, /redis cluster node unavailable/);
  });

  it("follows ASK while a slot moves and MOVED once it has moved", async () => {
    const [from, to] = [cluster.ports[0] as number, cluster.ports[1] as number];
    const store = open();
    const threadKey = await threadOn(from, "moving");
    await store.append(threadKey, [message(1)], TTL);
    await store.setSetting(threadKey, "model", "gpt-4o"); // another slot: untouched by the move

    const move = await startMovingSlot(cluster, keys.history(threadKey), from, to);
    const asks = await errorCount(cluster, from, "ASK");
    assert.deepEqual(await store.load(threadKey), [message(1)], "ASK: the key is on the target already");
    assert.equal(await errorCount(cluster, from, "ASK"), asks + 1, "the source answered ASK");
    await move.finish();

    // The store still thinks `from` serves the slot: its MULTI is answered MOVED and sent to `to`.
    const moved = await errorCount(cluster, from, "MOVED");
    await store.append(threadKey, [message(2)], TTL);
    assert.ok((await errorCount(cluster, from, "MOVED")) > moved, "the source answered MOVED");
    assert.deepEqual(await store.load(threadKey), [message(1), message(2)]);
    assert.equal(await store.withThreadLock(threadKey, async () => "locked"), "locked");
    assert.equal(await cluster.ownerOf(keys.history(threadKey)), to);
    assert.deepEqual(await cluster.admin(to).lrange(keys.history(threadKey), 0, -1), [
      JSON.stringify(message(1)),
      JSON.stringify(message(2)),
    ]);
    assert.deepEqual(await store.getSettings(threadKey), { model: "gpt-4o" });
    assert.equal(await store.ping(), true);
  });

  it("survives a failover: the promoted replica answers and the old master's MOVED leads there", async () => {
    const master = cluster.ports[2] as number;
    const store = open();
    const threadKey = await threadOn(master, "failover");
    await store.append(threadKey, [message(1)], TTL);
    const replica = await cluster.addReplica(master);
    await failOver(cluster, replica, master);
    const moved = await errorCount(cluster, master, "MOVED");
    await store.append(threadKey, [message(2)], TTL);
    assert.deepEqual(await store.load(threadKey), [message(1), message(2)], "nothing lost, nothing doubled");
    assert.ok((await errorCount(cluster, master, "MOVED")) > moved, "the old master answered MOVED");
    await eventually(
      "the slot map to name the new master",
      async () => (await cluster.ownerOf(keys.history(threadKey))) === replica,
    );
    await eventually("readiness after the failover", () => store.ping());
  });

  it("fails fast when no node of the cluster is reachable", async () => {
    const store = open({ url: `redis://127.0.0.1:${await freePort()}` });
    const load = await timed(store.load("t"));
    assertUnavailable(load.result, load.ms);
    assert.equal(await store.ping(), false);
  });
});

/**
 * A manual failover to `replica`, as during patching: the graceful kind (the master hands over),
 * or, if that election does not finish in time on a loaded machine, a takeover. Asking twice for
 * the graceful kind would abort the first; a master does not vote twice within 2 x node timeout.
 * Resolves once the old master serves as a replica (it answers MOVED for the slots it had).
 */
async function failOver(cluster: TestCluster, replica: number, master: number): Promise<void> {
  const role = async (port: number) => /role:(\w+)/.exec(await cluster.admin(port).info("replication"))?.[1];
  const until = async (port: number, wanted: string, withinMs: number) => {
    const deadline = Date.now() + withinMs;
    while (Date.now() < deadline) {
      if ((await role(port)) === wanted) return true;
      await sleep(50);
    }
    return false;
  };
  await cluster.admin(replica).call("CLUSTER", "FAILOVER");
  if (!(await until(replica, "master", 8_000))) {
    await cluster.admin(replica).call("CLUSTER", "FAILOVER", "TAKEOVER");
    assert.ok(await until(replica, "master", 5_000), "the replica did not take over");
  }
  assert.ok(await until(master, "slave", 5_000), "the old master did not step down");
}

/** How many `kind` error replies (MOVED, ASK) the node has sent (INFO errorstats). */
async function errorCount(cluster: TestCluster, port: number, kind: string): Promise<number> {
  const info = await cluster.admin(port).info("errorstats");
  return Number(new RegExp(`errorstat_${kind}:count=(\\d+)`).exec(info)?.[1] ?? 0);
}

/** Moves `key`'s slot (with its keys) from one node to another the way redis-cli reshard does. */
async function startMovingSlot(
  cluster: TestCluster,
  key: string,
  from: number,
  to: number,
): Promise<{ finish(): Promise<void> }> {
  const [source, target] = [cluster.admin(from), cluster.admin(to)];
  const slot = Number(await source.cluster("KEYSLOT", key));
  const [sourceId, targetId] = await Promise.all([source.cluster("MYID"), target.cluster("MYID")]);
  await target.call("CLUSTER", "SETSLOT", slot, "IMPORTING", sourceId);
  await source.call("CLUSTER", "SETSLOT", slot, "MIGRATING", targetId);
  const moving = (await source.call("CLUSTER", "GETKEYSINSLOT", slot, 1_000)) as string[];
  if (moving.length > 0) await source.migrate("127.0.0.1", to, "", 0, 5_000, "KEYS", ...moving);
  return {
    async finish() {
      // Target first, then the source, then the rest (the order redis-cli uses).
      const order = [to, from, ...cluster.ports.filter((p) => p !== to && p !== from)];
      for (const port of order) await cluster.admin(port).call("CLUSTER", "SETSLOT", slot, "NODE", targetId);
    },
  };
}

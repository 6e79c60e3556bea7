// redis-server processes private to one test file, on free ports: one server, or a real Redis
// Cluster of three masters (no replicas) in a temp dir, joined with `redis-cli --cluster create`.
// A server can be killed (SIGKILL, a crash) and started again with the same arguments; a cluster
// node then rejoins with its slots (its nodes.conf stays).
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { Redis } from "ioredis";

const START_WITHIN_MS = 5_000;
const CLUSTER_OK_WITHIN_MS = 10_000;
const NODE_COUNT = 3;
const run = promisify(execFile);

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  assert.ok(address && typeof address === "object");
  return address.port;
}

export interface RedisServer {
  readonly port: number;
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  /** SIGKILL: a crash; the data is gone (no persistence). */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same arguments. */
  restart(): Promise<void>;
}

/** Starts `redis-server` on `port` (a free one by default) with `args` after the test defaults. */
export async function startRedisServer(args: string[] = [], port?: number): Promise<RedisServer> {
  const serverPort = port ?? (await freePort());
  let child: ChildProcess | undefined;
  const start = async () => {
    const started = spawn(
      "redis-server",
      ["--port", String(serverPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...args],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    child = started;
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    started.stdout?.on("data", collect);
    const deadline = Date.now() + START_WITHIN_MS;
    while (!output.includes("Ready to accept connections")) {
      if (started.exitCode !== null || Date.now() > deadline) {
        started.kill("SIGKILL");
        assert.fail(`redis-server did not start: ${output}`);
      }
      await sleep(10);
    }
    started.stdout?.off("data", collect);
    started.stdout?.resume();
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, "exit");
    running.kill("SIGKILL");
    await exited;
  };
  await start();
  return { port: serverPort, url: `redis://127.0.0.1:${serverPort}`, kill, restart: start };
}

export interface TestClusterOptions {
  /** Extra redis-server arguments for every node (ACL users, requirepass). */
  serverArgs?: string[];
  /** The default user's password, when serverArgs set one (for redis-cli and admin clients). */
  adminPassword?: string;
}

export interface TestCluster {
  readonly ports: number[];
  /** A seed node URL without credentials. */
  readonly url: string;
  /** A plain (non-cluster) connection to one node, for looking at and changing it. */
  admin(port: number): Redis;
  /** The node's port that serves `key`'s slot. */
  ownerOf(key: string): Promise<number>;
  /** SIGKILL: a crash; the node's data is gone (no persistence), its nodes.conf stays. */
  kill(port: number): Promise<void>;
  /** Starts a killed node again with the same nodes.conf; it rejoins with its slots. */
  restart(port: number): Promise<void>;
  /** Adds a replica of the master at `masterPort`, synced when this resolves; returns its port. */
  addReplica(masterPort: number): Promise<number>;
  /** Waits until every node says cluster_state:ok and knows every other node. */
  waitOk(): Promise<void>;
  /** Kills every node and removes the temp dir; safe to call after a failed start. */
  stop(): Promise<void>;
}

export async function startCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), "redis-cluster-"));
  const admins = new Map<number, Redis>();
  const ports: number[] = [];

  const servers = new Map<number, RedisServer>();
  const kill = async (port: number) => servers.get(port)?.kill();
  const nodeArgs = (port: number) => [
    "--cluster-enabled",
    "yes",
    "--cluster-config-file",
    join(dir, `nodes-${port}.conf`),
    "--dir",
    dir,
    // A new replica syncs at once, not after the default 5 s wait for more replicas.
    "--repl-diskless-sync-delay",
    "0",
    ...(options.serverArgs ?? []),
  ];
  const auth = options.adminPassword ? ["-a", options.adminPassword, "--no-auth-warning"] : [];

  const admin = (port: number) => {
    let client = admins.get(port);
    if (!client) {
      client = new Redis({ port, host: "127.0.0.1", password: options.adminPassword, lazyConnect: false });
      client.on("error", () => {}); // a killed node: the test sees the failed commands
      admins.set(port, client);
    }
    return client;
  };

  const waitOk = async () => {
    const deadline = Date.now() + CLUSTER_OK_WITHIN_MS;
    for (;;) {
      const nodes = [...servers.keys()];
      const infos = await Promise.all(
        nodes.map((p) =>
          admin(p)
            .cluster("INFO")
            .catch(() => ""),
        ),
      );
      const ok = infos.every(
        (info) =>
          String(info).includes("cluster_state:ok") &&
          String(info).includes(`cluster_known_nodes:${nodes.length}`),
      );
      if (ok) return;
      if (Date.now() > deadline) assert.fail(`cluster not ok: ${infos.join("\n")}`);
      await sleep(50);
    }
  };

  const stop = async () => {
    for (const client of admins.values()) client.disconnect();
    await Promise.all([...servers.values()].map((server) => server.kill()));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    for (let i = 0; i < NODE_COUNT; i++) ports.push(await freePort());
    const started = await Promise.allSettled(ports.map((port) => startRedisServer(nodeArgs(port), port)));
    for (const result of started)
      if (result.status === "fulfilled") servers.set(result.value.port, result.value);
    for (const result of started) if (result.status === "rejected") throw result.reason;
    await run("redis-cli", [
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
      ...auth,
    ]);
    await waitOk();
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    ports,
    url: `redis://127.0.0.1:${ports[0]}`,
    admin,
    async ownerOf(key) {
      const slot = Number(await admin(ports[0] as number).cluster("KEYSLOT", key));
      const ranges = await admin(ports[0] as number).cluster("SLOTS");
      const master = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
      assert.ok(master, `no node serves slot ${slot}`);
      return master[1];
    },
    kill,
    async restart(port) {
      await servers.get(port)?.restart();
    },
    async addReplica(masterPort) {
      const port = await freePort();
      servers.set(port, await startRedisServer(nodeArgs(port), port));
      const masterId = String(await admin(masterPort).cluster("MYID"));
      const [node, existing] = [`127.0.0.1:${port}`, `127.0.0.1:${masterPort}`];
      await run("redis-cli", [
        "--cluster",
        "add-node",
        node,
        existing,
        "--cluster-slave",
        "--cluster-master-id",
        masterId,
        ...auth,
      ]);
      await waitOk();
      // Synced, and known by every master as this master's replica (they vote in a failover).
      const deadline = Date.now() + CLUSTER_OK_WITHIN_MS;
      const known = async (node: number) =>
        String(await admin(node).cluster("REPLICAS", masterId)).includes(`:${port}@`);
      const ready = async () =>
        (await admin(port).info("replication")).includes("master_link_status:up") &&
        (await Promise.all(ports.map(known))).every(Boolean);
      while (!(await ready())) {
        if (Date.now() > deadline) assert.fail("the replica did not sync");
        await sleep(50);
      }
      return port;
    },
    waitOk,
    stop,
  };
}

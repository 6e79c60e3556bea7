// The store's connection to Redis: one node (ioredis `Redis`) or a Redis Cluster (`Cluster`), built
// with the fail-fast options of redis-connection.ts. While Redis is down a call fails within a
// bounded time with BotError("store_unavailable") instead of queueing forever, and the same client
// reconnects by itself when Redis is back. Outages are logged once, never with the URL's password.
import { setTimeout as sleep } from "node:timers/promises";
import { Cluster, Redis } from "ioredis";
import { BotError } from "../errors.js";
import type { Logger } from "../log.js";
import { registerSecret } from "../redact.js";
import {
  clusterSetup,
  DEFAULT_COMMAND_TIMEOUT_MS,
  type RedisConnectionSettings,
  SLOTS_REFRESH_INTERVAL_MS,
  singleNodeOptions,
} from "./redis-connection.js";

/** Everything the store sends works on both: keys of one call share a hash slot (keys.ts). */
export type RedisClient = Redis | Cluster;

/** Redis Cluster hash slots; readiness wants every one of them served. */
const CLUSTER_SLOTS = 16_384;
/** How often a call waiting for the first connection looks again. */
const UP_POLL_MS = 10;

/** Supplies (and renews) the credentials of every connection; see redis-entra-auth.ts. */
export interface ConnectionAuth {
  /** Takes over `client` (created with lazyConnect) and connects it once it has credentials. */
  attach(client: RedisClient): void;
  readonly hasCredentials: boolean;
  /** Why there are no credentials yet, once getting them has failed. */
  readonly failure: string | undefined;
  stop(): void;
}

export interface RedisConnectionOptions extends RedisConnectionSettings {
  logger: Logger;
  auth?: ConnectionAuth;
}

type NotUp = { up: false; failure?: string };

export class RedisConnection {
  readonly client: RedisClient;
  /** Where the client points, without credentials: the only form of the address that is logged. */
  readonly where: Record<string, unknown>;
  private readonly commandTimeoutMs: number;
  private readonly auth: ConnectionAuth | undefined;
  /** The last reason the cluster could not connect; cleared when it is ready. */
  private clusterFailure: string | undefined;
  private slotsRefresh: NodeJS.Timeout | undefined;

  constructor(options: RedisConnectionOptions) {
    registerPasswordOf(options.url);
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.auth = options.auth;
    const settings = { ...options, lazyConnect: options.auth !== undefined };
    if (options.cluster) {
      const { startupNodes, options: clusterOptions } = clusterSetup(settings);
      const cluster = new Cluster(startupNodes, clusterOptions);
      this.where = { cluster: true, seeds: startupNodes };
      cluster.on("error", (err: Error) => {
        this.clusterFailure = err.message;
      });
      cluster.on("ready", () => {
        this.clusterFailure = undefined;
      });
      this.slotsRefresh = setInterval(() => {
        if (cluster.status === "ready") cluster.refreshSlotsCache();
      }, SLOTS_REFRESH_INTERVAL_MS);
      this.slotsRefresh.unref();
      this.client = cluster;
    } else {
      const client = new Redis(options.url, singleNodeOptions(settings));
      const { host, port, db } = client.options;
      this.where = { host, port, db };
      this.client = client;
    }
    logOutages(this.client, options.logger, this.where);
    this.auth?.attach(this.client);
  }

  /** Runs one Redis call, mapping its failure (or no connection in time) to store_unavailable. */
  async run<T>(operation: string, call: (redis: RedisClient) => Promise<T>): Promise<T> {
    try {
      await this.whenUp();
      return await call(this.client);
    } catch (err) {
      throw storeUnavailable(operation, err);
    }
  }

  /** Readiness: the node answers; for a cluster, every master serving a slot answers. */
  async ping(): Promise<boolean> {
    if (!this.state().up) return false;
    try {
      if (this.client instanceof Redis) return (await this.client.ping()) === "PONG";
      return await everyMasterAnswers(this.client);
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.auth?.stop();
    clearInterval(this.slotsRefresh);
    if (this.client.status === "ready") {
      try {
        await this.client.quit();
        return;
      } catch {
        // fall through: drop the connection
      }
    }
    this.client.disconnect();
  }

  /**
   * ioredis queues a call made while one node connects, and its command timeout bounds the wait.
   * A cluster's queue has no such bound, and an Entra ID client connects only once it has a token:
   * there a call waits here, at most one command timeout, and fails at once while connecting fails.
   */
  private async whenUp(): Promise<void> {
    const deadline = Date.now() + this.commandTimeoutMs;
    for (let state = this.state(); !state.up; state = this.state()) {
      if (state.failure) throw new Error(state.failure);
      if (Date.now() >= deadline) throw new Error(`not connected within ${this.commandTimeoutMs} ms`);
      await sleep(UP_POLL_MS);
    }
  }

  private state(): { up: true } | NotUp {
    if (this.auth && !this.auth.hasCredentials) {
      const failure = this.auth.failure;
      return { up: false, failure: failure && `no Microsoft Entra ID token for Redis: ${failure}` };
    }
    if (this.client instanceof Redis) return { up: true };
    if (this.client.status === "ready") return { up: true };
    if (this.client.status === "end") return { up: false, failure: "the connection is closed" };
    return { up: false, failure: this.clusterFailure };
  }
}

/** Every slot is served by a master this client is connected to, and each answers PING. */
async function everyMasterAnswers(cluster: Cluster): Promise<boolean> {
  const owners = new Set<string>();
  let served = 0;
  for (const nodes of cluster.slots) {
    if (!nodes?.[0]) continue;
    served += 1;
    owners.add(nodes[0]);
  }
  if (served < CLUSTER_SLOTS) return false;
  const masters = new Map(cluster.nodes("master").map((node) => [nodeKey(node), node]));
  const pings: Promise<string>[] = [];
  for (const owner of owners) {
    const node = masters.get(owner);
    if (!node) return false; // dropped after an error; the next slot refresh reconnects it
    pings.push(node.ping());
  }
  return (await Promise.all(pings)).every((reply) => reply === "PONG");
}

function nodeKey(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}

/** One warning per outage, not one per reconnect attempt; never the URL (it may hold a password). */
function logOutages(client: RedisClient, logger: Logger, where: Record<string, unknown>): void {
  let down = false;
  client.on("error", (err: Error) => {
    if (down) return;
    down = true;
    logger.warn(
      { redis: where, err: { message: err.message, code: (err as { code?: unknown }).code } },
      "redis unavailable; reconnecting",
    );
  });
  client.on("ready", () => {
    if (down) logger.info({ redis: where }, "redis reconnected");
    else logger.debug({ redis: where }, "redis connected");
    down = false;
  });
  if (client instanceof Redis) return;
  // A cluster stays ready while one node is lost; say which node, once, and when it is back.
  const downNodes = new Set<string>();
  client.on("node error", (err: Error, key: string) => {
    if (downNodes.has(key)) return;
    downNodes.add(key);
    logger.warn(
      { redis: { ...where, node: key }, err: { message: err.message } },
      "redis cluster node unavailable",
    );
  });
  client.on("+node", (node: Redis) => {
    node.on("ready", () => {
      const key = nodeKey(node);
      if (downNodes.delete(key))
        logger.info({ redis: { ...where, node: key } }, "redis cluster node reconnected");
    });
  });
}

/** The password in a redis:// URL is a secret the log scrubber must know. */
function registerPasswordOf(url: string): void {
  try {
    const { password } = new URL(url);
    if (password) registerSecret(decodeURIComponent(password));
  } catch {
    // Not a URL ioredis will accept either; it reports that itself.
  }
}

/** Every failure of a Redis call reaches callers as store_unavailable, with the cause kept. */
export function storeUnavailable(operation: string, cause: unknown): BotError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new BotError(
    "store_unavailable",
    `redis ${operation} failed: ${reason}`,
    { hint: "is Redis reachable?" },
    { cause },
  );
}

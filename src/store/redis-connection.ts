// The ioredis options for REDIS_URL: one node (`Redis`) or a Redis Cluster (`Cluster`). Both fail
// fast while Redis is unreachable (a call gets an error within seconds instead of queueing forever)
// and reconnect by themselves when it is back.
import { isIP } from "node:net";
import type { ClusterNode, ClusterOptions, RedisOptions } from "ioredis";

/** Reconnect backoff: doubles from the base up to the cap, so recovery is noticed within the cap. */
export const RECONNECT_BASE_DELAY_MS = 50;
export const RECONNECT_MAX_DELAY_MS = 1_000;
/** A queued command is failed after this many reconnect attempts (ioredis flushes its queue). */
export const MAX_RETRIES_PER_REQUEST = 1;
/** A TCP connect that has not completed by then (black-holed host) counts as failed. */
export const CONNECT_TIMEOUT_MS = 2_000;
/** Default bound on every command (REDIS_COMMAND_TIMEOUT_MS), also one on a half-open socket. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 3_000;
/** Closing a connection that is not up: give the socket this long to end, then destroy it. */
export const DISCONNECT_TIMEOUT_MS = 200;
/**
 * How often a cluster client re-reads the slot map even without a MOVED reply: a failover or a
 * reshard is noticed within this, and a master that was dropped after a restart is reconnected
 * (so readiness recovers while the bot is idle). RedisConnection runs it: ioredis' own
 * slotsRefreshInterval re-arms its timer when quit() meets a refresh in flight, which keeps a
 * stopped process alive.
 */
export const SLOTS_REFRESH_INTERVAL_MS = 5_000;
/** Shown by CLIENT LIST, so an operator can tell the bot's connections apart. */
export const CONNECTION_NAME = "azure-chat-bot";

/** Announced node address (`host:port`) -> the address to connect to instead. */
export type NatMapping = Record<string, { host: string; port: number }>;

export interface RedisConnectionSettings {
  /** redis:// or rediss:// URL; with `cluster`, any one node of the cluster (a seed). */
  url: string;
  /** REDIS_CLUSTER: use ioredis `Cluster`, which follows MOVED/ASK and refreshes the slot map. */
  cluster?: boolean;
  /** REDIS_CLUSTER_NAT_MAP: nodes announce addresses the bot cannot reach (NAT, Docker, private IPs). */
  natMap?: NatMapping;
  /** REDIS_COMMAND_TIMEOUT_MS: the longest wait for any reply. */
  commandTimeoutMs?: number;
  /** Do not connect before connect() (Entra ID: the first token has to be there first). */
  lazyConnect?: boolean;
  /** Overrides for tests (e.g. a shorter connect timeout); for a cluster they apply to every node. */
  overrides?: Partial<RedisOptions>;
}

export function reconnectDelayMs(attempt: number): number {
  return Math.min(RECONNECT_BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1), RECONNECT_MAX_DELAY_MS);
}

/** What every connection gets, the single node's and each cluster node's. */
function nodeOptions(settings: RedisConnectionSettings): RedisOptions {
  return {
    maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: settings.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    // A failover (Azure Cache for Redis patching) turns the old primary read-only: reconnect.
    reconnectOnError: (err) => err.message.startsWith("READONLY"),
    connectionName: CONNECTION_NAME,
  };
}

/** Options for `new Redis(url, options)`; ioredis reads host, credentials, db and TLS from the URL. */
export function singleNodeOptions(settings: RedisConnectionSettings): RedisOptions {
  return {
    ...nodeOptions(settings),
    retryStrategy: reconnectDelayMs,
    lazyConnect: settings.lazyConnect,
    ...settings.overrides,
  };
}

export interface ClusterSetup {
  startupNodes: ClusterNode[];
  options: ClusterOptions;
}

/**
 * Options for `new Cluster(startupNodes, options)`. The seed carries only host and port: ioredis
 * copies a startup node's own options onto every node it later finds at that address, so the
 * credentials go to `redisOptions`, which every node gets.
 */
export function clusterSetup(settings: RedisConnectionSettings): ClusterSetup {
  const seed = new URL(settings.url);
  const host = seed.hostname.replace(/^\[|\]$/g, "");
  const db = seed.pathname.replace(/^\//, "");
  if (db !== "" && db !== "0")
    throw new Error("a Redis Cluster has only database 0; remove it from REDIS_URL");
  const tls = seed.protocol === "rediss:";
  const commandTimeoutMs = settings.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  // The cluster manages these per node itself (the Cluster type omits them from redisOptions).
  const {
    retryStrategy: _retry,
    enableOfflineQueue: _queue,
    readOnly: _readOnly,
    host: _host,
    port: _port,
    path: _path,
    sentinels: _sentinels,
    ...overrides
  } = settings.overrides ?? {};
  return {
    startupNodes: [{ host, port: seed.port ? Number(seed.port) : 6379 }],
    options: {
      // Every seed unreachable: start over from the seed, at most a second apart, forever.
      clusterRetryStrategy: reconnectDelayMs,
      // A lost node is dropped (ioredis' default, no per-node retry): its slots' next command goes
      // to a live node, whose MOVED names the new owner after a failover, or the same address,
      // reconnected, after a restart. Retried every retryDelayOnFailover, up to maxRedirections.
      clusterNodeRetryStrategy: null,
      // The cluster-level queue is flushed only when the client gives up for good, so a call made
      // while the whole cluster is unreachable would wait forever; RedisConnection waits (bounded)
      // for the first connection instead.
      enableOfflineQueue: false,
      enableReadyCheck: true,
      // Replica reads are not used: replicas lag, and history, settings and the lock must read what
      // was just written.
      scaleReads: "master",
      maxRedirections: 16,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      // CLUSTER SLOTS runs on a fresh connection (TCP, TLS, AUTH): as long as any command may take.
      slotsRefreshTimeout: commandTimeoutMs,
      // Nodes announce the addresses they know (private VNet IPs, Docker): REDIS_CLUSTER_NAT_MAP
      // maps each to one the bot can reach.
      natMap: settings.natMap,
      // With TLS the seed must keep its host name, which the certificate names; resolving it to an
      // IP first (ioredis' default) fails verification (Azure Managed Redis, ElastiCache).
      dnsLookup: tls ? (address, callback) => callback(null, address) : undefined,
      lazyConnect: settings.lazyConnect,
      redisOptions: {
        ...nodeOptions(settings),
        username: seed.username ? decodeURIComponent(seed.username) : undefined,
        password: seed.password ? decodeURIComponent(seed.password) : undefined,
        // Nodes announce IPs (or other names) the certificate does not list: verify the seed's name.
        tls: tls ? (isIP(host) ? {} : { servername: host }) : undefined,
        ...overrides,
      },
    },
  };
}

/**
 * REDIS_CLUSTER_NAT_MAP: JSON `{"10.0.0.5:6379":{"host":"203.0.113.7","port":6380}}`, or the short
 * form `10.0.0.5:6379=203.0.113.7:6380,10.0.0.6:6379=203.0.113.7:6381`. Throws a message naming the
 * accepted forms.
 */
export function parseNatMap(text: string): NatMapping {
  const trimmed = text.trim();
  const entries: [string, unknown][] = /^[[{]/.test(trimmed)
    ? Object.entries(parseJsonObject(trimmed))
    : trimmed
        .split(",")
        .map((pair) => pair.trim())
        .filter(Boolean)
        .map((pair) => {
          const [from, to, extra] = pair.split("=");
          if (from === undefined || to === undefined || extra !== undefined)
            throw new Error(`must be from=to pairs such as 10.0.0.5:6379=public-host:6380, got "${pair}"`);
          return [from.trim(), addressOf(to.trim())];
        });
  if (entries.length === 0) throw new Error("must map at least one node address");
  const map: NatMapping = {};
  for (const [from, to] of entries) {
    addressOf(from); // the key is an announced host:port too
    map[from] = checkedTarget(from, to);
  }
  return map;
}

function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('must be JSON such as {"10.0.0.5:6379":{"host":"public-host","port":6380}}');
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error('must be a JSON object such as {"10.0.0.5:6379":{"host":"public-host","port":6380}}');
  return value as Record<string, unknown>;
}

function addressOf(text: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match?.[1] || port < 1 || port > 65_535) throw new Error(`"${text}" is not a host:port address`);
  return { host: match[1], port };
}

function checkedTarget(from: string, to: unknown): { host: string; port: number } {
  const { host, port } = (to ?? {}) as { host?: unknown; port?: unknown };
  if (
    typeof host !== "string" ||
    host === "" ||
    !Number.isInteger(port) ||
    Number(port) < 1 ||
    Number(port) > 65_535
  )
    throw new Error(`"${from}" must map to {"host": "...", "port": 1-65535}`);
  return { host, port: Number(port) };
}

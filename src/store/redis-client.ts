// The ioredis client with fail-fast settings: while Redis is down a call fails within about two
// reconnect delays with BotError("store_unavailable") instead of queueing forever, and the same
// client reconnects by itself when Redis is back.
import { Redis, type RedisOptions } from "ioredis";
import { BotError } from "../errors.js";
import type { Logger } from "../log.js";
import { registerSecret } from "../redact.js";

/** Reconnect backoff: doubles from the base up to the cap, so recovery is noticed within the cap. */
export const RECONNECT_BASE_DELAY_MS = 50;
export const RECONNECT_MAX_DELAY_MS = 1_000;
/** A queued command is failed after this many reconnect attempts (ioredis flushes its queue). */
export const MAX_RETRIES_PER_REQUEST = 1;
/** A TCP connect that has not completed by then (black-holed host) counts as failed. */
export const CONNECT_TIMEOUT_MS = 2_000;
/** Bounds every command, also one written to a half-open socket that never answers. */
export const COMMAND_TIMEOUT_MS = 3_000;
/** Closing a connection that is not up: give the socket this long to end, then destroy it. */
export const DISCONNECT_TIMEOUT_MS = 200;

export function reconnectDelayMs(attempt: number): number {
  return Math.min(RECONNECT_BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1), RECONNECT_MAX_DELAY_MS);
}

export interface RedisClientOptions {
  url: string;
  logger: Logger;
  /** Overrides for tests (e.g. a shorter command timeout). */
  overrides?: Partial<RedisOptions>;
}

/** Where the client points, without credentials: the only form of the URL that is ever logged. */
export function describeRedis(client: Redis): { host?: string; port?: number; db?: number } {
  const { host, port, db } = client.options;
  return { host, port, db };
}

export function createRedisClient({ url, logger, overrides }: RedisClientOptions): Redis {
  registerPasswordOf(url);
  const client = new Redis(url, {
    retryStrategy: reconnectDelayMs,
    maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    // A failover (Azure Cache for Redis patching) turns the old primary read-only: reconnect.
    reconnectOnError: (err) => err.message.startsWith("READONLY"),
    connectionName: "azure-chat-bot",
    ...overrides,
  });
  const where = describeRedis(client);
  let down = false;
  // One line per outage, not one per reconnect attempt; never the URL (it may hold the password).
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
  return client;
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

/** Runs one Redis call, mapping its failure to store_unavailable. */
export async function redisCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw storeUnavailable(operation, err);
  }
}

// Picks the store: Redis when a URL is configured, else the in-process one (and says what that means).
import { type Logger, silentLogger } from "../log.js";
import { MemoryStore } from "./memory.js";
import { RedisStore } from "./redis.js";
import type { Store } from "./types.js";

export interface CreateStoreOptions {
  /** REDIS_URL; unset or blank selects the in-process store. */
  redisUrl?: string;
  keyPrefix?: string;
  logger?: Logger;
}

export function createStore(opts: CreateStoreOptions): Store {
  const logger = opts.logger ?? silentLogger;
  const redisUrl = opts.redisUrl?.trim();
  if (redisUrl) return new RedisStore({ url: redisUrl, keyPrefix: opts.keyPrefix, logger });
  logger.warn(
    { component: "store" },
    "store: in-process (REDIS_URL unset): single process only, history and settings are lost on restart; set REDIS_URL to run more than one instance or keep state",
  );
  return new MemoryStore();
}

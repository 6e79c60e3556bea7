// Picks the store: Redis when a URL is configured, else the in-process one (and says what that means).
import type { RedisConfig } from "../config.js";
import { type Logger, silentLogger } from "../log.js";
import { MemoryStore } from "./memory.js";
import { RedisStore } from "./redis.js";
import { ResilientStore } from "./resilient.js";
import type { Store } from "./types.js";

export interface CreateStoreOptions {
  /** config.redis; an unset or blank url selects the in-process store. */
  redis: RedisConfig;
  logger?: Logger;
  /** USAGE_RETENTION_DAYS. */
  usageRetentionDays?: number;
}

export function createStore(opts: CreateStoreOptions): Store {
  const logger = opts.logger ?? silentLogger;
  const redisUrl = opts.redis.url?.trim();
  if (redisUrl) {
    // While Redis is unreachable the bot keeps answering on in-process stand-ins (resilient.ts).
    const store = new RedisStore({
      ...opts.redis,
      url: redisUrl,
      logger,
      usageRetentionDays: opts.usageRetentionDays,
    });
    return new ResilientStore(store, {
      logger,
    });
  }
  logger.warn(
    { component: "store" },
    "store: in-process (REDIS_URL unset): single process only, history and settings are lost on restart; set REDIS_URL to run more than one instance or keep state",
  );
  return new MemoryStore({ usageRetentionDays: opts.usageRetentionDays });
}

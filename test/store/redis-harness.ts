// Shared Redis set-up for the store tests: database 2 and a random key prefix per harness, so tests
// running at the same time against the same Redis never see each other's keys.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { RedisStore, type RedisStoreOptions } from "../../src/store/redis.js";
import type { StoreHarness } from "./contract.js";

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/2";
const SCAN_COUNT = 200;

export interface RedisHarness extends StoreHarness {
  readonly prefix: string;
  /** A plain client for looking at and planting keys. */
  readonly admin: Redis;
  open(options?: Partial<RedisStoreOptions>): RedisStore;
}

export function redisHarness(defaults: Partial<RedisStoreOptions> = {}): RedisHarness {
  const prefix = `test:${randomUUID()}:`;
  const admin = new Redis(TEST_REDIS_URL);
  const stores: RedisStore[] = [];
  return {
    prefix,
    admin,
    open(options = {}) {
      const store = new RedisStore({ url: TEST_REDIS_URL, keyPrefix: prefix, ...defaults, ...options });
      stores.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(stores.map((s) => s.close()));
      let cursor = "0";
      do {
        const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}*`, "COUNT", SCAN_COUNT);
        if (keys.length > 0) await admin.del(...keys);
        cursor = next;
      } while (cursor !== "0");
      await admin.quit();
    },
  };
}

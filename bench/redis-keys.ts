// Benchmarks write under a random prefix and remove their keys afterwards.
import { Redis } from "ioredis";

export const BENCH_REDIS_URL = `${process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379"}/5`;

export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(BENCH_REDIS_URL);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1_000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
  await redis.quit();
}

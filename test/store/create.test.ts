import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "../../src/log.js";
import { createStore } from "../../src/store/create.js";
import { TEST_REDIS_URL } from "./redis-harness.js";

const redis = (url: string | undefined, keyPrefix = "bot:") => ({
  url,
  keyPrefix,
  cluster: false,
  commandTimeoutMs: 3_000,
});

function capture(): { logger: ReturnType<typeof createLogger>; text: () => string } {
  const lines: string[] = [];
  return {
    logger: createLogger("debug", { write: (line: string) => void lines.push(line) }),
    text: () => lines.join(""),
  };
}

describe("createStore", () => {
  it("uses the in-process store without a URL and says it is single-process and not persistent", async () => {
    for (const redisUrl of [undefined, "", "  "]) {
      const { logger, text } = capture();
      const store = createStore({ redis: redis(redisUrl), logger });
      assert.equal(store.kind, "memory");
      assert.match(text(), /single process/);
      assert.match(text(), /lost on restart/);
      await store.close();
    }
  });

  it("uses Redis with a URL, and logs where it points without credentials", async () => {
    const { logger, text } = capture();
    const store = createStore({ redis: redis(TEST_REDIS_URL, "test:create:"), logger });
    try {
      assert.equal(store.kind, "redis");
      assert.equal(await store.ping(), true);
      assert.match(text(), /"store: redis"/);
      assert.match(text(), /"keyPrefix":"test:create:"/);
    } finally {
      await store.close();
    }
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStore } from "../../src/store/memory.js";
import { HOLD_TTL_MS } from "../../src/store/usage.js";
import { message, storeContract } from "./contract.js";

storeContract("memory", () => {
  const store = new MemoryStore();
  return { open: () => store, cleanup: () => store.close() };
});

describe("memory store expiry", () => {
  const SECOND_MS = 1_000;

  function clocked(): { store: MemoryStore; advance(ms: number): void } {
    let now = Date.UTC(2025, 5, 1);
    const advance = (ms: number): void => {
      now += ms;
    };
    return { store: new MemoryStore({ now: () => now }), advance };
  }

  it("expires a thread after its TTL, and every append refreshes it", async () => {
    const { store, advance } = clocked();
    await store.append("t", [message(1)], { maxMessages: 10, ttlSeconds: 10 });
    advance(9 * SECOND_MS);
    await store.append("t", [message(2)], { maxMessages: 10, ttlSeconds: 10 });
    advance(9 * SECOND_MS);
    assert.deepEqual(await store.load("t"), [message(1), message(2)], "refreshed by the second append");
    advance(2 * SECOND_MS);
    assert.deepEqual(await store.load("t"), []);
    await store.append("t", [message(3)], { maxMessages: 10, ttlSeconds: 10 });
    assert.deepEqual(await store.load("t"), [message(3)], "an expired thread starts afresh");
  });

  it("forgets a dedupe id after its TTL", async () => {
    const { store, advance } = clocked();
    assert.equal(await store.firstSeen("Ev1", 5), true);
    advance(4 * SECOND_MS);
    assert.equal(await store.firstSeen("Ev1", 5), false);
    advance(2 * SECOND_MS);
    assert.equal(await store.firstSeen("Ev1", 5), true);
  });

  it("lets a quota hold lapse when its turn never ends (a process that died mid-answer)", async () => {
    const { store, advance } = clocked();
    const who = { workspaceScope: "w", conversationScope: "c", userId: "u" };
    const limits = { day: { user: 100 } };
    const at = Date.UTC(2025, 5, 1);
    assert.ok("hold" in (await store.reserveTurn(who, 100, limits, at)));
    assert.ok("exceeded" in (await store.reserveTurn(who, 1, limits, at)), "held: no room");
    advance(HOLD_TTL_MS + SECOND_MS);
    assert.ok("hold" in (await store.reserveTurn(who, 1, limits, at)), "the lapsed hold no longer counts");
  });

  it("forgets a usage day after the retention, and keeps its month a month longer", async () => {
    const { store, advance } = clocked();
    const who = { workspaceScope: "w", conversationScope: "c", userId: "u" };
    const at = Date.UTC(2025, 5, 1);
    const usage = {
      model: "m",
      promptTokens: 1,
      completionTokens: 2,
      extraTokens: 0,
      reasoningTokens: 0,
      costMicros: 0,
    };
    await store.recordTurnUsage(who, usage, undefined, at);
    assert.equal((await store.usageReport("w", "2025-06-01")).total.tokens, 3);
    advance(91 * 86_400 * SECOND_MS);
    assert.equal(
      (await store.usageReport("w", "2025-06-01")).total.tokens,
      0,
      "the day is past the 90-day retention",
    );
    assert.equal((await store.usageReport("w", "2025-06")).total.tokens, 3, "its month is kept longer");
  });

  it("does not let a caller change stored history through the objects it passed or got", async () => {
    const store = new MemoryStore();
    const m = message(1);
    await store.append("t", [m], { maxMessages: 10, ttlSeconds: 60 });
    m.content = "changed";
    const [loaded] = await store.load("t");
    assert.equal(loaded?.content, "message 1");
    if (loaded) loaded.content = "changed again";
    assert.equal((await store.load("t"))[0]?.content, "message 1");
  });
});

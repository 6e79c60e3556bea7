// Memory specifics of rate budgets, thread marks and feedback on an injected clock: exact values.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FEEDBACK_TTL_SECONDS } from "../../src/store/feedback.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { FeedbackEntry } from "../../src/store/types.js";

const SECOND_MS = 1_000;
const WINDOW_MS = 1_000;

function clocked(): { store: MemoryStore; advance(ms: number): void } {
  let now = Date.UTC(2025, 5, 1);
  const advance = (ms: number): void => {
    now += ms;
  };
  return { store: new MemoryStore({ now: () => now }), advance };
}

describe("memory rate budgets, thread marks and feedback", () => {
  it("slides the window to the millisecond", async () => {
    const { store, advance } = clocked();
    assert.equal(await store.tryTake("k", 2, WINDOW_MS), 0); // t = 0
    advance(400);
    assert.equal(await store.tryTake("k", 2, WINDOW_MS), 0); // t = 400
    advance(100);
    assert.equal(await store.tryTake("k", 2, WINDOW_MS), 500, "until the take at 0 leaves");
    advance(499);
    assert.equal(await store.tryTake("k", 2, WINDOW_MS), 1);
    advance(1);
    assert.equal(await store.tryTake("k", 2, WINDOW_MS), 0); // t = 1000
    assert.equal(await store.tryTake("k", 2, WINDOW_MS), 400, "until the take at 400 leaves");
  });

  it("holds for exactly the time given", async () => {
    const { store, advance } = clocked();
    await store.hold("k", 300);
    assert.equal(await store.tryTake("k", 1, WINDOW_MS), 300);
    advance(299);
    assert.equal(await store.tryTake("k", 1, WINDOW_MS), 1);
    advance(1);
    assert.equal(await store.tryTake("k", 1, WINDOW_MS), 0);
  });

  it("expires a thread mark after its TTL, and every mark refreshes it", async () => {
    const { store, advance } = clocked();
    await store.markThread("t", 10);
    advance(9 * SECOND_MS);
    await store.markThread("t", 10);
    advance(9 * SECOND_MS);
    assert.equal(await store.isThreadMarked("t"), true);
    advance(SECOND_MS);
    assert.equal(await store.isThreadMarked("t"), false);
  });

  it("drops a scope's feedback once nothing was recorded for its TTL", async () => {
    const { store, advance } = clocked();
    const entry: FeedbackEntry = {
      platform: "slack",
      conversationScope: "s",
      threadKey: "slack:T:C:1",
      messageId: "1.5",
      userId: "U1",
      reaction: "positive",
      at: 1,
    };
    await store.recordFeedback(entry);
    advance(FEEDBACK_TTL_SECONDS * SECOND_MS - 1);
    assert.deepEqual(await store.listFeedback("s", 10), [entry]);
    advance(1);
    assert.deepEqual(await store.listFeedback("s", 10), []);
  });

  it("does not let a caller change stored feedback through the objects it passed or got", async () => {
    const store = new MemoryStore();
    const entry: FeedbackEntry = {
      platform: "slack",
      conversationScope: "s",
      threadKey: "slack:T:C:1",
      messageId: "1.5",
      userId: "U1",
      reaction: "positive",
      at: 1,
    };
    await store.recordFeedback(entry);
    entry.reaction = "negative";
    const [listed] = await store.listFeedback("s", 1);
    assert.equal(listed?.reaction, "positive");
    if (listed) listed.reaction = "negative";
    assert.equal((await store.listFeedback("s", 1))[0]?.reaction, "positive");
  });
});

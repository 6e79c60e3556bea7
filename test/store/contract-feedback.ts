// Store contract for feedback, run against every implementation (contract.ts).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { FEEDBACK_MAX_PER_SCOPE, FEEDBACK_TEXT_MAX_CHARS } from "../../src/store/feedback.js";
import type { FeedbackEntry, Store } from "../../src/store/types.js";

const T0 = 1_700_000_000_000;
/** Records sent at once when filling a scope past its cap. */
const FILL_BATCH = 1_000;

function scope(): string {
  return `slack:T1:C${randomUUID()}`;
}

function entry(conversationScope: string, n: number, overrides: Partial<FeedbackEntry> = {}): FeedbackEntry {
  return {
    platform: "slack",
    conversationScope,
    threadKey: `slack:T1:C1:${n}.0`,
    messageId: `${n}.5`,
    userId: "U1",
    reaction: "positive",
    at: T0 + n,
    ...overrides,
  };
}

/** `store` and `open` read the contract's current store and open another (a second process). */
export function feedbackContract(store: () => Store, open: () => Store): void {
  describe("feedback", () => {
    it("lists a scope's newest entries first, at most `limit`", async () => {
      const [s, other] = [scope(), scope()];
      const entries = [3, 1, 4, 2].map((n) => entry(s, n));
      for (const e of entries) await store().recordFeedback(e);
      await store().recordFeedback(entry(other, 9));
      const newestFirst = [4, 3, 2, 1].map((n) => entry(s, n));
      assert.deepEqual(await open().listFeedback(s, 10), newestFirst);
      assert.deepEqual(await store().listFeedback(s, 2), newestFirst.slice(0, 2));
      assert.deepEqual(await store().listFeedback(s, 0), []);
      assert.deepEqual(await store().listFeedback(s, Number.NaN), []);
      assert.deepEqual(await store().listFeedback(scope(), 10), []);
    });

    it("keeps one user's latest feedback per answer: a second click replaces the first", async () => {
      const s = scope();
      await store().recordFeedback(entry(s, 1));
      await store().recordFeedback(entry(s, 1, { userId: "U2", reaction: "negative" }));
      const changed = entry(s, 1, { reaction: "negative", text: "wrong year", at: T0 + 50 });
      await open().recordFeedback(changed);
      assert.deepEqual(await store().listFeedback(s, 10), [
        changed,
        entry(s, 1, { userId: "U2", reaction: "negative" }),
      ]);
    });

    it("does not let an older click that arrives late undo a newer one", async () => {
      const s = scope();
      const newer = entry(s, 1, { reaction: "negative", at: T0 + 100 });
      await store().recordFeedback(newer);
      await store().recordFeedback(entry(s, 1, { at: T0 }));
      assert.deepEqual(await store().listFeedback(s, 10), [newer]);
    });

    it("tells apart ids that would collide if joined with a colon", async () => {
      const s = scope();
      const a = entry(s, 1, { messageId: "m:1", userId: "29:u" });
      const b = entry(s, 2, { messageId: "m", userId: "1:29:u" });
      await store().recordFeedback(a);
      await store().recordFeedback(b);
      assert.deepEqual(await store().listFeedback(s, 10), [b, a]);
    });

    it("keeps text and fields it does not know, and cuts very long text", async () => {
      const s = scope();
      const extra = { ...entry(s, 1, { text: "great answer" }), comment: { tags: ["a"] } } as FeedbackEntry;
      await store().recordFeedback(extra);
      const long = entry(s, 2, { text: `${"x".repeat(FEEDBACK_TEXT_MAX_CHARS - 1)}😀 and more` });
      await store().recordFeedback(long);
      const [first, second] = await store().listFeedback(s, 10);
      assert.equal(first?.text, "x".repeat(FEEDBACK_TEXT_MAX_CHARS - 1), "no half surrogate pair left");
      assert.deepEqual(second, extra);
    });

    it("refuses an entry without a usable time or reaction", async () => {
      const s = scope();
      await assert.rejects(store().recordFeedback(entry(s, 1, { at: Number.NaN })), RangeError);
      const odd = { ...entry(s, 1), reaction: "meh" } as unknown as FeedbackEntry;
      await assert.rejects(store().recordFeedback(odd), RangeError);
      assert.deepEqual(await store().listFeedback(s, 10), []);
    });

    it(`keeps the newest ${FEEDBACK_MAX_PER_SCOPE} entries of a scope`, async () => {
      const s = scope();
      const extra = 3;
      const total = FEEDBACK_MAX_PER_SCOPE + extra;
      for (let start = 0; start < total; start += FILL_BATCH) {
        const batch = Array.from({ length: Math.min(FILL_BATCH, total - start) }, (_, i) => start + i);
        await Promise.all(batch.map((n) => store().recordFeedback(entry(s, n))));
      }
      const kept = await store().listFeedback(s, total);
      assert.equal(kept.length, FEEDBACK_MAX_PER_SCOPE);
      assert.deepEqual(kept[0], entry(s, total - 1));
      assert.deepEqual(kept.at(-1), entry(s, extra), "the oldest were dropped");
    });
  });
}

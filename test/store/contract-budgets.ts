// Store contract for rate budgets and thread marks, run against every implementation (contract.ts).
// Windows are short real-time windows so the Redis store is checked on its own clock.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Store, StoredMessage } from "../../src/store/types.js";

/** Slack's Tier 2: about 20 calls per minute per method and workspace. */
const TIER_LIMIT = 20;
const MINUTE_MS = 60_000;
const CONCURRENT_CALLERS = 50;
/** Short windows keep the sliding tests fast. */
const SHORT_WINDOW_MS = 200;
const HOLD_MS = 150;
/** Eager callers ask again this soon after a refusal. */
const EAGER_POLL_MS = 5;
const EAGER_CALLERS = 4;
/** A timer may fire a millisecond or two early. */
const TIMER_SLACK_MS = 3;
/** Stores count whole milliseconds; the test clock does not. */
const MS_ROUNDING = 2;
const TTL_SECONDS = 3_600;

function budget(): string {
  return `slack:T${randomUUID()}:chat.update`;
}

const MESSAGE: StoredMessage = { role: "user", content: "hello", at: 1_700_000_000_000 };

function thread(): string {
  return `test:${randomUUID()}:C1:1.1`;
}

/** `store` and `open` read the contract's current store and open another (a second process). */
export function budgetContract(store: () => Store, open: () => Store): void {
  describe("rate budgets", () => {
    it("takes exactly `limit` calls out of many concurrent callers across processes", async () => {
      const key = budget();
      const stores = [store(), open()];
      const waits = await Promise.all(
        Array.from({ length: CONCURRENT_CALLERS }, (_, i) =>
          (stores[i % stores.length] ?? store()).tryTake(key, TIER_LIMIT, MINUTE_MS),
        ),
      );
      assert.equal(waits.filter((w) => w === 0).length, TIER_LIMIT);
      for (const wait of waits.filter((w) => w !== 0)) {
        assert.ok(wait > 0 && wait <= MINUTE_MS, `wait ${wait} ms`);
      }
    });

    it("keeps budgets apart per key", async () => {
      const [a, b] = [budget(), budget()];
      assert.equal(await store().tryTake(a, 1, MINUTE_MS), 0);
      assert.ok((await store().tryTake(a, 1, MINUTE_MS)) > 0);
      assert.equal(await store().tryTake(b, 1, MINUTE_MS), 0);
    });

    it("lets a refused call go after the wait it was told, and refusals take nothing", async () => {
      const key = budget();
      assert.equal(await store().tryTake(key, 1, SHORT_WINDOW_MS), 0);
      let wait = 0;
      for (let i = 0; i < 5; i++) wait = await store().tryTake(key, 1, SHORT_WINDOW_MS);
      assert.ok(wait > 0 && wait <= SHORT_WINDOW_MS, `wait ${wait} ms`);
      await sleep(wait + TIMER_SLACK_MS);
      assert.equal(await store().tryTake(key, 1, SHORT_WINDOW_MS), 0);
    });

    it("slides: however often callers ask, no window holds more than `limit` takes", async () => {
      const key = budget();
      const limit = 3;
      // Each take happened somewhere between its call and its reply: sound bounds even under load.
      const taken: { sent: number; got: number }[] = [];
      const until = performance.now() + 3 * SHORT_WINDOW_MS;
      // Callers that ask again well before the wait they were told: only the window may refuse them.
      const caller = async (): Promise<void> => {
        while (performance.now() < until) {
          const sent = performance.now();
          const wait = await store().tryTake(key, limit, SHORT_WINDOW_MS);
          if (wait === 0) taken.push({ sent, got: performance.now() });
          else await sleep(Math.min(wait, EAGER_POLL_MS));
        }
      };
      await Promise.all(Array.from({ length: EAGER_CALLERS }, caller));
      taken.sort((a, b) => a.sent - b.sent);
      // Any limit+1 takes span at least a window, so their latest reply and earliest call do too.
      for (let i = 0; i + limit < taken.length; i++) {
        const group = taken.slice(i, i + limit + 1);
        const span = Math.max(...group.map((t) => t.got)) - Math.min(...group.map((t) => t.sent));
        assert.ok(span >= SHORT_WINDOW_MS - MS_ROUNDING, `${limit + 1} takes within ${span} ms`);
      }
      assert.ok(taken.length >= 3 * limit, `only ${taken.length} takes in three windows: it does not refill`);
    });

    it("holds a budget closed, never shortens a hold, then opens it again", async () => {
      const key = budget();
      const started = performance.now();
      await store().hold(key, HOLD_MS);
      await store().hold(key, 1); // a shorter Retry-After does not cut the longer one
      const wait = await open().tryTake(key, TIER_LIMIT, MINUTE_MS);
      const elapsed = performance.now() - started;
      assert.ok(wait > 0 && wait <= HOLD_MS && wait >= HOLD_MS - elapsed - MS_ROUNDING, `wait ${wait} ms`);
      await sleep(wait + TIMER_SLACK_MS);
      assert.equal(await store().tryTake(key, 1, MINUTE_MS), 0, "calls refused while held took nothing");
    });

    it("ignores a hold of 0 ms and refuses nonsense limits", async () => {
      const key = budget();
      await store().hold(key, 0);
      assert.equal(await store().tryTake(key, 1, MINUTE_MS), 0);
      await assert.rejects(store().hold(key, Number.NaN), RangeError);
      await assert.rejects(store().tryTake(key, 0, MINUTE_MS), RangeError);
      await assert.rejects(store().tryTake(key, 1, 0), RangeError);
      await assert.rejects(store().tryTake(key, Number.POSITIVE_INFINITY, MINUTE_MS), RangeError);
    });

    it("after the limit is lowered, waits until the takes fit the new limit", async () => {
      const key = budget();
      for (let i = 0; i < 3; i++) assert.equal(await store().tryTake(key, 3, SHORT_WINDOW_MS), 0);
      const wait = await store().tryTake(key, 1, SHORT_WINDOW_MS);
      assert.ok(wait > 0 && wait <= SHORT_WINDOW_MS, `wait ${wait} ms`);
      await sleep(wait + TIMER_SLACK_MS);
      assert.equal(await store().tryTake(key, 1, SHORT_WINDOW_MS), 0, "all three takes have left by then");
    });
  });

  describe("thread marks", () => {
    it("marks a thread, across processes, and forgetting its history keeps the mark", async () => {
      const tk = thread();
      assert.equal(await store().isThreadMarked(tk), false);
      await store().append(tk, [MESSAGE], { maxMessages: 10, ttlSeconds: TTL_SECONDS });
      await store().markThread(tk, TTL_SECONDS);
      assert.equal(await open().isThreadMarked(tk), true);
      await store().forget(tk);
      assert.deepEqual(await store().load(tk), []);
      assert.equal(await store().isThreadMarked(tk), true, "the bot still takes part in the thread");
      assert.equal(await store().isThreadMarked(thread()), false);
    });

    it("refuses a TTL that would not keep the mark", async () => {
      await assert.rejects(store().markThread(thread(), 0), RangeError);
    });
  });

  describe("shared notes", () => {
    it("keeps a note for every process until it is replaced, deleted or expires", async () => {
      const key = `note:${thread()}`;
      assert.equal(await store().getNote(key), undefined);
      await store().putNote(key, "first", TTL_SECONDS);
      assert.equal(await open().getNote(key), "first", "another process reads it");
      await open().putNote(key, "second", TTL_SECONDS);
      assert.equal(await store().getNote(key), "second");
      await store().deleteNote(key);
      assert.equal(await open().getNote(key), undefined);
      await store().putNote(key, "brief", 1);
      await sleep(1_100 + TIMER_SLACK_MS);
      assert.equal(await store().getNote(key), undefined, "gone after its TTL");
      await assert.rejects(store().putNote(key, "x", 0), RangeError);
    });
  });
}

// Redis specifics of rate budgets, thread marks and feedback: key names, TTLs, bounds, server clock.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { FEEDBACK_TTL_SECONDS } from "../../src/store/feedback.js";
import { type RedisKeys, redisKeys } from "../../src/store/keys.js";
import type { RedisStore } from "../../src/store/redis.js";
import type { FeedbackEntry } from "../../src/store/types.js";
import { type RedisHarness, redisHarness } from "./redis-harness.js";

const SECOND_MS = 1_000;
const MINUTE_MS = 60_000;
const SHORT_WINDOW_MS = 200;
/** Redis counts whole milliseconds; the test clock does not. */
const MS_ROUNDING = 2;
/** Slack chat.update (Tier 3): about 50 calls per minute per workspace. */
const TIER3_LIMIT = 50;

function feedback(conversationScope: string, n: number): FeedbackEntry {
  return {
    platform: "teams",
    conversationScope,
    threadKey: "teams:t:c:1",
    messageId: `m${n}`,
    userId: "29:u",
    reaction: "positive",
    at: 1_700_000_000_000 + n,
  };
}

describe("redis rate budgets, thread marks and feedback", () => {
  let h: RedisHarness;
  let store: RedisStore;
  let keys: RedisKeys;

  before(() => {
    h = redisHarness();
    store = h.open();
    keys = redisKeys(h.prefix);
  });
  after(() => h.cleanup());

  async function serverNowMs(): Promise<number> {
    const [seconds, micros] = await h.admin.time();
    return Number(seconds) * SECOND_MS + Math.floor(Number(micros) / SECOND_MS);
  }

  it("keeps at most `limit` takes per budget, expiring with the window", async () => {
    const key = "slack:T1:chat.update";
    for (let i = 0; i < TIER3_LIMIT + 10; i++) await store.tryTake(key, TIER3_LIMIT, MINUTE_MS);
    assert.equal(await h.admin.zcard(keys.rateTakes(key)), TIER3_LIMIT);
    const pttl = await h.admin.pttl(keys.rateTakes(key));
    assert.ok(pttl > MINUTE_MS - SECOND_MS && pttl <= MINUTE_MS, `pttl ${pttl}`);
    const brief = "slack:T1:chat.postMessage:C1";
    assert.equal(await store.tryTake(brief, 1, SHORT_WINDOW_MS / 4), 0);
    await sleep(SHORT_WINDOW_MS / 2);
    assert.equal(await h.admin.exists(keys.rateTakes(brief)), 0, "an idle budget leaves no key");
  });

  it("counts the window on Redis's clock, not the process's", async () => {
    const key = "slack:T2:chat.update";
    const started = performance.now();
    const agoMs = SHORT_WINDOW_MS / 4;
    await h.admin.zadd(keys.rateTakes(key), (await serverNowMs()) - agoMs, "other-host");
    const wait = await store.tryTake(key, 1, SHORT_WINDOW_MS);
    const elapsed = performance.now() - started;
    const most = SHORT_WINDOW_MS - agoMs;
    assert.ok(wait <= most && wait >= most - elapsed - MS_ROUNDING, `wait ${wait} ms`);
  });

  it("holds with a key of its own that expires with the hold", async () => {
    const key = "slack:T3:chat.update";
    await store.hold(key, 5 * SECOND_MS);
    const pttl = await h.admin.pttl(keys.rateHold(key));
    assert.ok(pttl > 4 * SECOND_MS && pttl <= 5 * SECOND_MS, `pttl ${pttl}`);
    const wait = await store.tryTake(key, 1, MINUTE_MS);
    assert.ok(wait > 4 * SECOND_MS && wait <= 5 * SECOND_MS, `wait ${wait}`);
    assert.equal(await h.admin.exists(keys.rateTakes(key)), 0, "a held budget takes nothing");
  });

  it("gives a thread mark a TTL that every mark refreshes, beside the thread's other keys", async () => {
    const tk = "slack:T1:C1:171.2";
    assert.match(keys.threadMark(tk), /\{slack:T1:C1:171\.2\}$/);
    await store.markThread(tk, 60);
    assert.ok((await h.admin.ttl(keys.threadMark(tk))) <= 60);
    await store.markThread(tk, 600);
    const ttl = await h.admin.ttl(keys.threadMark(tk));
    assert.ok(ttl > 590 && ttl <= 600, `ttl ${ttl}`);
  });

  it("keeps one hash field and one order entry per user and answer, with a long TTL", async () => {
    const scope = "teams:t:c";
    await store.recordFeedback(feedback(scope, 1));
    await store.recordFeedback({ ...feedback(scope, 1), reaction: "negative", at: feedback(scope, 2).at });
    assert.equal(await h.admin.hlen(keys.feedback(scope)), 1);
    assert.equal(await h.admin.zcard(keys.feedbackOrder(scope)), 1);
    for (const key of [keys.feedback(scope), keys.feedbackOrder(scope)]) {
      const ttl = await h.admin.ttl(key);
      assert.ok(ttl > FEEDBACK_TTL_SECONDS - 5 && ttl <= FEEDBACK_TTL_SECONDS, `ttl ${ttl}`);
    }
  });

  it("skips unreadable or missing feedback entries instead of failing the list", async () => {
    const scope = "slack:T9:C9";
    await store.recordFeedback(feedback(scope, 1));
    await h.admin.hset(keys.feedback(scope), "junk", "not json");
    await h.admin.zadd(keys.feedbackOrder(scope), 9e12, "junk", 9e12, "missing");
    assert.deepEqual(await store.listFeedback(scope, 10), [feedback(scope, 1)]);
  });
});

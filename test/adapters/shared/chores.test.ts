// The chores both platform adapters share (adapters/shared/): each against a real Redis store, and
// against a store that fails, where the chore's answer to a failure is what a user would notice.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { recordFeedback } from "../../../adapters/shared/feedback.js";
import { firstDelivery } from "../../../adapters/shared/first-delivery.js";
import { readBody, sendJson } from "../../../adapters/shared/http-io.js";
import { isThreadMarked, markThread } from "../../../adapters/shared/thread-marks.js";
import { createMetrics } from "../../../src/metrics.js";
import { RedisStore } from "../../../src/store/redis.js";
import type { Store } from "../../../src/store/types.js";
import { captureLogs } from "../../helpers/log-capture.js";

const REDIS_URL = `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/3`;

const DOWN = new Error("connect ECONNREFUSED 127.0.0.1:6379");
/** The store's ports as they behave while Redis is unreachable. */
const failing = {
  firstSeen: () => Promise.reject(DOWN),
  markThread: () => Promise.reject(DOWN),
  isThreadMarked: () => Promise.reject(DOWN),
};

describe("shared adapter chores", () => {
  let store: Store;
  before(() => {
    store = new RedisStore({ url: REDIS_URL, keyPrefix: `test:chores:${randomUUID()}:` });
  });
  after(() => store.close());

  it("firstDelivery: an event is handled once across deliveries; when the store cannot say, it is handled", async () => {
    const logs = captureLogs();
    const key = `slack:event:${randomUUID()}`;
    assert.equal(await firstDelivery(store, key, 60, logs.logger), true);
    assert.equal(await firstDelivery(store, key, 60, logs.logger), false, "the re-delivery is dropped");
    assert.equal(await firstDelivery(failing, key, 60, logs.logger), true, "an unanswered question is worse");
    assert.deepEqual(logs.messages(), [
      "repeated delivery ignored",
      "could not check for a repeated delivery; handling it",
    ]);
  });

  it("thread marks: a marked thread is known; a store that fails is logged and means not marked", async () => {
    const logs = captureLogs();
    const thread = `slack:T:C:${randomUUID()}`;
    assert.equal(await isThreadMarked(store, thread, logs.logger), false);
    await markThread(store, thread, 60, logs.logger);
    assert.equal(await isThreadMarked(store, thread, logs.logger), true);
    await markThread(failing, thread, 60, logs.logger);
    assert.equal(await isThreadMarked(failing, thread, logs.logger), false);
    assert.equal(logs.lines.filter((l) => l.level === "warn").length, 2, "both failures were logged");
  });

  it("feedback: stored for the conversation, counted by platform and reaction, logged without its text", async () => {
    const logs = captureLogs();
    const metrics = createMetrics();
    const scope = `teams:T:${randomUUID()}`;
    await recordFeedback(
      { store, metrics, log: logs.logger },
      {
        platform: "teams",
        conversationScope: scope,
        threadKey: `${scope}:t`,
        messageId: "m1",
        userId: "U1",
        reaction: "negative",
        text: "wrong vacation days",
        at: 1,
      },
    );
    assert.deepEqual(
      (await store.listFeedback(scope, 5)).map((f) => [f.reaction, f.text]),
      [["negative", "wrong vacation days"]],
    );
    assert.match(
      await metrics.registry.metrics(),
      /bot_feedback_total\{platform="teams",reaction="negative"\} 1/,
    );
    assert.doesNotMatch(JSON.stringify(logs.lines), /vacation/);
  });

  it("readBody and sendJson: a body over the limit is refused 413, a good one answered as JSON once", async () => {
    const server = createServer(async (req, res) => {
      const body = await readBody(req, 1_000);
      if (body === undefined) return sendJson(res, 413, { error: "body too large" });
      sendJson(res, 200, { length: body.length });
      sendJson(res, 500, { error: "a second answer is ignored" });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const post = (body: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ port, host: "127.0.0.1", method: "POST" }, (res) => {
          let text = "";
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on("error", reject);
        req.end(body);
      });
    try {
      assert.deepEqual(await post("ü".repeat(100)), { status: 200, body: '{"length":100}' });
      assert.deepEqual(await post("x".repeat(5_000)), { status: 413, body: '{"error":"body too large"}' });
    } finally {
      server.close();
    }
  });
});

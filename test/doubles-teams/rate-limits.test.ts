// Per-conversation limits (7 per second, 8 per 2 s, 60 per 30 s) with 429 + Retry-After, and what the
// real botbuilder pipeline does with a 429: it retries after Retry-After, three times, on its own.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { channelConversationId } from "../doubles/teams/activities.js";
import { inConversation, refusal } from "../doubles/teams/botbuilder-client.js";
import { startConnectorDouble, type TeamsConnectorDouble } from "../doubles/teams/connector-double.js";
import { ConversationRateLimiter } from "../doubles/teams/rate-limiter.js";

let double: TeamsConnectorDouble;
before(async () => {
  // Real windows: eight quick sends always fill the 1 s window, and its Retry-After of 1 s clears it.
  double = await startConnectorDouble();
});
after(() => double.close());
beforeEach(() => double.reset());

test("the 8th send within a second in a channel gets 429 Throttled, Retry-After, and botbuilder retries", async () => {
  const channel = channelConversationId();
  const threadA = { id: `${channel};messageid=1700000000001`, conversationType: "channel" as const };
  const threadB = { id: `${channel};messageid=1700000000002`, conversationType: "channel" as const };
  const started = Date.now();
  await inConversation(double.url, threadA, async (ctx) => {
    for (let i = 1; i <= 4; i++) await ctx.sendActivity(`A${i}`);
  });
  // Threads of one channel share its budget: the 8th request overall is the one refused.
  await inConversation(double.url, threadB, async (ctx) => {
    for (let i = 1; i <= 4; i++) await ctx.sendActivity(`B${i}`);
  });

  const throttled = double.calls.filter((c) => c.status === 429);
  assert.equal(throttled.length, 1);
  assert.equal(throttled[0]?.headers["retry-after"], "1");
  assert.deepEqual(throttled[0]?.response, { error: { code: "Throttled", message: "Too many requests." } });
  assert.equal(double.rateLimited[channel], 1);
  assert.ok(Date.now() - started >= 1_000, "botbuilder waited Retry-After before retrying");
  assert.deepEqual(
    double.visible(threadB.id).map((m) => m.text),
    ["B1", "B2", "B3", "B4"],
  );
  assert.equal(double.visible(channel).length, 8, "the channel shows both threads");
});

test("a 429 reaches the bot once botbuilder's three retries are spent", async () => {
  const conversation = { id: channelConversationId(), conversationType: "channel" as const };
  double.failNext("POST /amer/v3/conversations/*/activities/*", 429, undefined, {
    times: 4,
    retryAfterSeconds: 0,
  });
  let refused: Awaited<ReturnType<typeof refusal>> | undefined;
  await inConversation(double.url, conversation, async (ctx) => {
    refused = await refusal(ctx.sendActivity("hello"));
  });
  assert.equal(refused?.statusCode, 429);
  assert.equal(refused?.code, "Throttled");
  assert.equal(refused?.retryAfter, "0");
  assert.equal(double.calls.length, 4, "one request and three retries");
});

test("a 429 without Retry-After is not retried by botbuilder", async () => {
  const conversation = { id: channelConversationId(), conversationType: "channel" as const };
  double.failNext("*", 429, undefined, { retryAfterSeconds: null });
  let refused: Awaited<ReturnType<typeof refusal>> | undefined;
  await inConversation(double.url, conversation, async (ctx) => {
    refused = await refusal(ctx.sendActivity("hello"));
  });
  assert.equal(refused?.statusCode, 429);
  assert.equal(double.calls.length, 1);
});

test("rateLimiting: false turns the per-conversation limits off", async () => {
  const open = await startConnectorDouble({ rateLimiting: false });
  try {
    const conversation = { id: channelConversationId(), conversationType: "channel" as const };
    await inConversation(open.url, conversation, async (ctx) => {
      for (let i = 0; i < 12; i++) await ctx.sendActivity(`m${i}`);
    });
    assert.equal(open.visible(conversation.id).length, 12);
    assert.deepEqual(open.rateLimited, {});
  } finally {
    await open.close();
  }
});

test("the limiter holds every window at once and names the wait in whole seconds", () => {
  const limiter = new ConversationRateLimiter(
    {
      send: [
        { limit: 7, windowMs: 1_000 },
        { limit: 8, windowMs: 2_000 },
      ],
    },
    1,
  );
  const at = 10_000;
  for (let i = 0; i < 7; i++) assert.equal(limiter.admit("send", "c", at + i).allowed, true);
  assert.deepEqual(limiter.admit("send", "c", at + 10), {
    allowed: false,
    waitMs: 990,
    retryAfterSeconds: 1,
  });
  assert.equal(limiter.admit("send", "c", at + 1_000).allowed, true, "the 1 s window has room again");
  // 8 in the last 2 s: the next one waits until the first of them is 2 s old.
  assert.deepEqual(limiter.admit("send", "c", at + 1_500), {
    allowed: false,
    waitMs: 500,
    retryAfterSeconds: 1,
  });
  assert.equal(limiter.admit("send", "other", at + 1_500).allowed, true, "budgets are per conversation");
});

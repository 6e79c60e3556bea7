// Post, update and delete in channel threads and chats through the real botbuilder client, the wire
// shapes of the answers, and injected failures and latency.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { CardFactory } from "botbuilder";
import { channelConversationId, personalConversationId } from "../doubles/teams/activities.js";
import { inConversation, refusal } from "../doubles/teams/botbuilder-client.js";
import { startConnectorDouble, type TeamsConnectorDouble } from "../doubles/teams/connector-double.js";

let double: TeamsConnectorDouble;
before(async () => {
  double = await startConnectorDouble();
});
after(() => double.close());
beforeEach(() => double.reset());

function thread() {
  const channel = channelConversationId();
  return {
    channel,
    conversation: { id: `${channel};messageid=1700000000001`, conversationType: "channel" as const },
  };
}

test("post then updateActivity in a channel thread (';messageid=' in the path, encoded and decoded)", async () => {
  const { channel, conversation } = thread();
  let id = "";
  await inConversation(double.url, conversation, async (ctx) => {
    id = (await ctx.sendActivity("Working on it…"))?.id ?? "";
    await ctx.updateActivity({ type: "message", id, text: "Here is the answer." });
  });

  const [post, update] = double.calls;
  assert.equal(post?.route, "reply");
  assert.equal(post?.conversationIdHeader, conversation.id);
  assert.equal(post?.authorized, false, "auth disabled: botbuilder sends no token");
  assert.equal(post?.status, 201);
  assert.deepEqual(post?.response, { id });
  assert.equal(update?.method, "PUT");
  assert.equal(update?.conversationId, conversation.id);
  assert.equal(update?.path, `/amer/v3/conversations/${conversation.id}/activities/${id}`);
  assert.equal(update?.status, 200);
  assert.deepEqual(update?.response, { id });
  const shown = double.visible(conversation.id);
  assert.equal(shown.length, 1);
  assert.equal(shown[0]?.text, "Here is the answer.");
  assert.equal(shown[0]?.updated, true);
  assert.equal(double.visible(channel).length, 1, "the channel id shows its threads");
  assert.deepEqual(double.violations, []);
});

test("the wire: a percent-encoded id and a JSON ResourceResponse", async () => {
  const { conversation } = thread();
  const encoded = encodeURIComponent(conversation.id);
  const response = await fetch(`${double.url}v3/conversations/${encoded}/activities`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "message", text: "hi" }),
  });
  assert.equal(response.status, 201);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  const body = (await response.json()) as { id: string };
  assert.match(body.id, /^\d{13,}$/, "Teams ids are millisecond timestamps");
  assert.equal(double.calls[0]?.conversationId, conversation.id);
});

test("delete hides the message; updating or deleting an unknown activity is 404 ActivityNotFoundInConversation", async () => {
  const conversation = { id: personalConversationId(), conversationType: "personal" as const };
  let refused: Awaited<ReturnType<typeof refusal>> | undefined;
  await inConversation(double.url, conversation, async (ctx) => {
    const id = (await ctx.sendActivity("temporary"))?.id ?? "";
    await ctx.deleteActivity(id);
    refused = await refusal(ctx.updateActivity({ type: "message", id, text: "too late" }));
  });
  assert.deepEqual(double.visible(conversation.id), []);
  assert.equal(refused?.statusCode, 404);
  assert.equal(refused?.code, "ActivityNotFoundInConversation");
  assert.deepEqual(
    double.violations.map((v) => v.kind),
    ["unknown-activity"],
  );
});

test("an Adaptive Card attachment is kept as sent", async () => {
  const conversation = { id: personalConversationId(), conversationType: "personal" as const };
  const card = CardFactory.adaptiveCard({
    type: "AdaptiveCard",
    version: "1.5",
    body: [{ type: "TextBlock", text: "Settings", wrap: true }],
    actions: [{ type: "Action.Submit", title: "Save", data: { action: "save" } }],
  });
  await inConversation(double.url, conversation, async (ctx) => {
    await ctx.sendActivity({ type: "message", attachments: [card] });
  });
  const [shown] = double.visible(conversation.id);
  assert.deepEqual(shown?.attachments, [
    { contentType: "application/vnd.microsoft.card.adaptive", content: card.content },
  ]);
  assert.equal(shown?.text, "");
});

test("a message over 100 KB (UTF-16) gets 413 MessageSizeTooBig", async () => {
  const conversation = { id: personalConversationId(), conversationType: "personal" as const };
  let refused: Awaited<ReturnType<typeof refusal>> | undefined;
  await inConversation(double.url, conversation, async (ctx) => {
    refused = await refusal(ctx.sendActivity("x".repeat(60_000)));
  });
  assert.equal(refused?.statusCode, 413);
  assert.equal(refused?.code, "MessageSizeTooBig");
});

test("failNext: a 403 reaches the bot; a 500 is retried by botbuilder after a backoff", async () => {
  const conversation = { id: personalConversationId(), conversationType: "personal" as const };
  double.failNext(`POST /amer/v3/conversations/${conversation.id}/activities/*`, 403);
  double.failNext(/^POST /, 500);
  let refused: Awaited<ReturnType<typeof refusal>> | undefined;
  await inConversation(double.url, conversation, async (ctx) => {
    refused = await refusal(ctx.sendActivity("first"));
    await ctx.sendActivity("second");
  });
  assert.deepEqual(refused, {
    statusCode: 403,
    code: "ConversationBlockedByUser",
    message: "User blocked the conversation with the bot.",
    retryAfter: undefined,
  });
  assert.deepEqual(
    double.calls.map((c) => c.status),
    [403, 500, 201],
  );
  assert.deepEqual(
    double.visible(conversation.id).map((m) => m.text),
    ["second"],
  );
});

test("latency delays every answer; strictConversations refuses unknown conversations", async () => {
  const strict = await startConnectorDouble({
    latencyMs: 30,
    strictConversations: true,
    conversations: [{ id: "a:known", conversationType: "personal" }],
  });
  try {
    let refused: Awaited<ReturnType<typeof refusal>> | undefined;
    await inConversation(strict.url, { id: "a:known", conversationType: "personal" }, async (ctx) => {
      await ctx.sendActivity("hi");
    });
    await inConversation(strict.url, { id: "a:unknown", conversationType: "personal" }, async (ctx) => {
      refused = await refusal(ctx.sendActivity("hi"));
    });
    const [call] = strict.calls;
    assert.ok((call?.answeredAt ?? 0) - (call?.time ?? 0) >= 25);
    assert.equal(refused?.statusCode, 404);
    assert.equal(refused?.code, "ConversationNotFound");
  } finally {
    await strict.close();
  }
});

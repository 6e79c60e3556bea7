// Inbound Teams activities: their shapes, and a full round trip (postActivity → a botbuilder bot →
// the connector double) for each kind.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import {
  attachmentOnlyMessage,
  botId,
  cardSubmit,
  channelMention,
  conversationUpdate,
  DEFAULT_TENANT_ID,
  feedbackInvoke,
  groupChatMention,
  type InboundActivity,
  type InboundBase,
  personalMessage,
  postActivity,
  unknownActivity,
} from "../doubles/teams/activities.js";
import { TEST_BOT_APP_ID } from "../doubles/teams/botbuilder-client.js";
import { startConnectorDouble, type TeamsConnectorDouble } from "../doubles/teams/connector-double.js";
import { type EchoBot, startEchoBot } from "./echo-bot.js";

let double: TeamsConnectorDouble;
let bot: EchoBot;
let base: InboundBase;
before(async () => {
  double = await startConnectorDouble();
  bot = await startEchoBot();
  base = { serviceUrl: double.url, botAppId: TEST_BOT_APP_ID };
});
after(async () => {
  await bot.close();
  await double.close();
});
beforeEach(() => {
  double.reset();
  bot.received.length = 0;
});

function assertTeamsEnvelope(activity: InboundActivity): void {
  assert.equal(activity.channelId, "msteams");
  assert.equal(activity.serviceUrl, double.url);
  assert.equal(activity.recipient.id, botId(TEST_BOT_APP_ID));
  assert.ok(activity.from.aadObjectId);
  assert.equal(activity.conversation.tenantId, DEFAULT_TENANT_ID);
  assert.deepEqual(activity.channelData.tenant, { id: DEFAULT_TENANT_ID });
  assert.ok(activity.id);
}

test("every builder gives a Teams envelope and a fresh id", () => {
  const all = [
    personalMessage(base, { text: "hi" }),
    channelMention(base, { question: "why?" }),
    groupChatMention(base, { question: "why?" }),
    attachmentOnlyMessage(base),
    cardSubmit(base, { value: { action: "save" }, replyToId: "1700000000000" }),
    feedbackInvoke(base, { replyToId: "1700000000000", reaction: "like", feedbackText: "Nice!" }),
    conversationUpdate(base),
    unknownActivity(base),
  ];
  for (const activity of all) assertTeamsEnvelope(activity);
  assert.equal(new Set(all.map((a) => a.id)).size, all.length);
});

test("a channel mention: mention entity, <at> text, team/channel channelData, ';messageid=' thread id", () => {
  const activity = channelMention(base, { question: "what is our SLA?", teamId: "19:team@thread.tacv2" });
  assert.equal(activity.text, "<at>Azure Chat</at> what is our SLA?");
  assert.deepEqual(activity.entities?.[0], {
    type: "mention",
    mentioned: { id: botId(TEST_BOT_APP_ID), name: "Azure Chat" },
    text: "<at>Azure Chat</at>",
  });
  assert.equal(activity.conversation.id, `19:team@thread.tacv2;messageid=${activity.id}`);
  assert.equal(activity.conversation.conversationType, "channel");
  assert.deepEqual(activity.channelData.team, { id: "19:team@thread.tacv2" });
  assert.deepEqual(activity.channelData.channel, { id: "19:team@thread.tacv2" });
});

test("the feedback invoke carries the reaction and a JSON-string feedback", () => {
  const activity = feedbackInvoke(base, {
    replyToId: "1700000000000",
    reaction: "dislike",
    feedbackText: "Wrong",
  });
  assert.equal(activity.type, "invoke");
  assert.equal(activity.name, "message/submitAction");
  assert.equal(activity.replyToId, "1700000000000");
  assert.deepEqual(activity.value, {
    actionName: "feedback",
    actionValue: { reaction: "dislike", feedback: '{"feedbackText":"Wrong"}' },
  });
  assert.equal(activity.text, undefined);
});

test("a personal message round trip: the bot's reply lands in the double as a reply to it", async () => {
  const activity = personalMessage(base, { text: "hello" });
  const answer = await postActivity(bot.url, activity);
  assert.equal(answer.status, 200);
  const [reply] = double.visible(activity.conversation.id);
  assert.equal(reply?.text, "echo: hello");
  assert.equal(reply?.replyToId, activity.id);
  assert.equal(double.conversation(activity.conversation.id)?.conversationType, "personal");
  assert.equal(double.calls[0]?.route, "reply");
});

test("a channel mention round trip: the reply lands in the thread", async () => {
  const activity = channelMention(base, { question: "status?" });
  await postActivity(bot.url, activity);
  const [reply] = double.visible(activity.conversation.id);
  assert.equal(reply?.text, "echo: <at>Azure Chat</at> status?");
  assert.equal(reply?.conversationId, activity.conversation.id);
  assert.equal(double.conversation(activity.conversation.id)?.conversationType, "channel");
});

test("group chat, attachment-only and card-submit messages reach the bot and get replies", async () => {
  const group = groupChatMention(base, { question: "hi all" });
  const file = attachmentOnlyMessage(base);
  const submit = cardSubmit(base, {
    value: { action: "save", temperature: "0.2" },
    replyToId: "1700000000000",
  });
  for (const activity of [group, file, submit])
    assert.equal((await postActivity(bot.url, activity)).status, 200);
  assert.equal(double.visible(group.conversation.id)[0]?.text, "echo: <at>Azure Chat</at> hi all");
  assert.equal(double.visible(file.conversation.id)[0]?.text, "echo: (attachments)");
  assert.equal(
    double.visible(submit.conversation.id)[0]?.text,
    'echo: {"action":"save","temperature":"0.2"}',
  );
});

test("a feedback invoke is answered in the HTTP response; conversationUpdate and unknown types get 200", async () => {
  const invoke = await postActivity(
    bot.url,
    feedbackInvoke(base, { replyToId: "1700000000000", reaction: "like", feedbackText: "Nice!" }),
  );
  assert.deepEqual(invoke, { status: 200, body: {} });
  assert.equal((await postActivity(bot.url, conversationUpdate(base))).status, 200);
  assert.equal((await postActivity(bot.url, unknownActivity(base))).status, 200);
  assert.deepEqual(
    bot.received.map((a) => a.type),
    ["invoke", "conversationUpdate", "futureActivityType"],
  );
  assert.deepEqual(double.calls, [], "none of them made the bot post");
});

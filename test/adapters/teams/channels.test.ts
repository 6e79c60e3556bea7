// Channels and group chats: mentions answered in the thread by posting and editing in place,
// per-conversation limits, slow answers and re-sent activities, settings, feedback, odd input.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  attachmentOnlyMessage,
  cardSubmit,
  channelConversationId,
  channelMention,
  feedbackInvoke,
  groupChatMention,
  personalConversationId,
  personalMessage,
  unknownActivity,
} from "../../doubles/teams/activities.js";
import { startTeamsHarness, type TeamsHarness } from "./harness.js";

interface ChatBody {
  messages: Array<{ role: string; content: string }>;
  temperature?: number;
}

describe("Teams channels and group chats", () => {
  let h: TeamsHarness;
  before(async () => {
    h = await startTeamsHarness({ env: { TEAMS_SETTINGS_ADMINS: "admin-aad-id" } });
  });
  after(() => h.close());
  beforeEach(() => {
    h.connector.reset();
    h.llm.reset();
  });
  const sent = (i: number) =>
    ((h.llm.requests[i]?.body ?? { messages: [] }) as ChatBody).messages.map((m) => m.content);

  it("answers a channel mention in its thread by posting, then editing in place", async () => {
    h.llm.script({ kind: "stream", pieces: ["Revenue ", "grew ", "12%."], delayMs: 40 });
    const channel = channelConversationId();
    const activity = channelMention(h.base, {
      question: "how did Q3 go?",
      channelId: channel,
      teamId: channel,
    });
    const res = await h.post(activity);
    assert.equal(res.status, 200);
    await h.settled();

    assert.equal(sent(0).at(-1), "how did Q3 go?", "the bot's mention is removed");
    const thread = h.connector.visible(activity.conversation.id);
    const answer = thread.find((m) => m.text.startsWith("Revenue"));
    assert.equal(answer?.text, "Revenue grew 12%.");
    assert.equal(answer?.aiGenerated, true);
    assert.ok(h.connector.callsTo("update").length >= 1, "edited in place");
    assert.ok(
      h.connector.calls.every(
        (c) => c.conversationId === undefined || c.conversationId.includes(";messageid="),
      ),
      "every call went to the thread",
    );
    assert.deepEqual(h.connector.violations, []);
  });

  it("answers a group chat mention", async () => {
    h.llm.script({ kind: "stream", pieces: ["Hi all."] });
    const activity = groupChatMention(h.base, { question: "say hi" });
    await h.post(activity);
    await h.settled();
    assert.ok(h.connector.visible(activity.conversation.id).some((m) => m.text === "Hi all."));
  });

  it("answers Teams at once for a slow answer, and a re-sent activity gets no second reply", async () => {
    h.llm.script({ kind: "stream", pieces: ["slow ", "answer"], delayMs: 150 });
    const activity = personalMessage(h.base, {
      text: "take your time",
      conversationId: personalConversationId(),
    });
    const started = Date.now();
    assert.equal((await h.post(activity)).status, 200);
    const ackMs = Date.now() - started;
    assert.equal((await h.post(activity)).status, 200, "the re-send is acknowledged too");
    await h.settled();
    assert.ok(ackMs < 400, `answered in ${ackMs} ms, long before the answer was written`);
    assert.equal(h.llm.requests.length, 1);
    assert.equal(
      h.connector.visible(activity.conversation.id).filter((m) => m.text === "slow answer").length,
      1,
    );
  });

  it("waits for Retry-After when Teams answers 429, and the final text is exact", async () => {
    h.connector.failNext(/activities/, 429, undefined, { times: 1, retryAfterSeconds: 1 });
    h.llm.script({ kind: "stream", pieces: ["Still ", "here."] });
    const activity = groupChatMention(h.base, { question: "are you there?" });
    await h.post(activity);
    await h.settled();
    assert.ok(h.connector.visible(activity.conversation.id).some((m) => m.text === "Still here."));
    const throttled = h.connector.calls.filter((c) => c.status === 429);
    assert.equal(throttled.length, 1, "one 429, not retried blindly");
    const after429 = h.connector.calls.find((c) => c.time > (throttled[0]?.time ?? 0));
    assert.ok(
      (after429?.time ?? 0) - (throttled[0]?.time ?? 0) >= 900,
      "the next call waited for Retry-After",
    );
  });

  it("shows settings as an Adaptive Card and applies a submitted form", async () => {
    const conversationId = personalConversationId();
    await h.post(personalMessage(h.base, { text: "settings", conversationId }));
    await h.settled();
    const card = h.connector.visible(conversationId).at(-1)?.attachments[0] as {
      contentType?: string;
      content?: { body?: unknown[] };
    };
    assert.equal(card?.contentType, "application/vnd.microsoft.card.adaptive");
    assert.match(JSON.stringify(card?.content), /"id":"temperature"/);

    await h.post(
      cardSubmit(h.base, {
        conversationId,
        replyToId: "card",
        value: { action: "settings.save", temperature: "0.3", model: "gpt-4o" },
      }),
    );
    await h.settled();
    assert.match(h.connector.visible(conversationId).at(-1)?.text ?? "", /`temperature` is now `0.3`/);
    h.llm.script({ kind: "stream", pieces: ["ok"] });
    await h.post(personalMessage(h.base, { text: "hello", conversationId }));
    await h.settled();
    assert.equal((h.llm.requests[0]?.body as ChatBody | undefined)?.temperature, 0.3);

    await h.post(
      cardSubmit(h.base, {
        conversationId,
        replyToId: "card",
        value: { action: "settings.save", temperature: "7" },
      }),
    );
    await h.settled();
    assert.match(h.connector.visible(conversationId).at(-1)?.text ?? "", /must be a number from 0 to 2/);
  });

  it("lets only team owners or configured admins change a channel's settings", async () => {
    const channel = channelConversationId();
    const member = channelMention(h.base, {
      question: "settings set temperature 0.9",
      channelId: channel,
      teamId: channel,
    });
    await h.post(member);
    await h.settled();
    assert.match(
      h.connector.visible(member.conversation.id).at(-1)?.text ?? "",
      /Only admins can change this channel's settings/,
    );
    const admin = channelMention(
      { ...h.base, user: { id: "29:admin", name: "Ada Admin", aadObjectId: "admin-aad-id" } },
      { question: "settings set temperature 0.9", channelId: channel, teamId: channel },
    );
    await h.post(admin);
    await h.settled();
    assert.match(h.connector.visible(admin.conversation.id).at(-1)?.text ?? "", /`temperature` is now `0.9`/);
  });

  it("records feedback from the feedback loop, answering the invoke with 200", async () => {
    const conversationId = personalConversationId();
    const res = await h.post(
      feedbackInvoke(h.base, {
        conversationId,
        replyToId: "answer-1",
        reaction: "dislike",
        feedbackText: "too vague",
      }),
    );
    assert.equal(res.status, 200);
    const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const [entry] = await h.core.store.listFeedback(`teams:${tenant}:${conversationId}`, 10);
    assert.equal(entry?.reaction, "negative");
    assert.equal(entry?.text, "too vague");
    assert.equal(entry?.messageId, "answer-1");
    assert.match(
      await h.core.metrics.registry.metrics(),
      /bot_feedback_total\{platform="teams",reaction="negative"\} 1/,
    );
  });

  it("answers odd input plainly: help for an empty mention, a note for files, nothing for unknown types", async () => {
    const empty = groupChatMention(h.base, { question: "" });
    await h.post(empty);
    const files = attachmentOnlyMessage(h.base, { conversationId: personalConversationId() });
    await h.post(files);
    const unknown = unknownActivity(h.base);
    assert.equal((await h.post(unknown)).status, 200);
    await h.settled();
    assert.match(h.connector.visible(empty.conversation.id).at(-1)?.text ?? "", /What I can do/);
    assert.match(h.connector.visible(files.conversation.id).at(-1)?.text ?? "", /only read text/);
    assert.equal(h.connector.visible(unknown.conversation.id).length, 0);
    assert.equal(h.llm.requests.length, 0);

    const malformed = await fetch(h.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{oops",
    });
    assert.equal(malformed.status, 400);
  });
});

// Mentions, DMs, thread follow-ups, dedupe and ignored events, end to end over signed HTTP.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { appMentionEvent, messageEvent } from "../../doubles/slack/event-payloads.js";
import { ALICE, BOB, BOT_USER } from "../../doubles/slack/test-support.js";
import { nextTs, type SlackHarness, settled, startSlackHarness, waitFor } from "./harness.js";

const CHANNEL = "C0000GENRL";
const DM = "D0000ALICE";

interface ChatBody {
  messages: Array<{ role: string; content: string }>;
}

describe("Slack conversations", () => {
  let h: SlackHarness;
  before(async () => {
    h = await startSlackHarness();
  });
  after(() => h.close());
  beforeEach(() => {
    h.slack.reset();
    h.llm.reset();
  });
  /** The message texts of the i-th completion request (system prompt first). */
  const sent = (i: number) =>
    ((h.llm.requests[i]?.body ?? { messages: [] }) as ChatBody).messages.map((m) => m.content);
  /** The user's message as Slack has it (so threads show it), returning its ts. */
  const said = (channel: string, user: string, text: string, threadTs?: string) =>
    h.slack.seedMessage({ channel, user, text, ...(threadTs ? { threadTs } : {}) });

  it("answers a channel mention in a thread under it, streaming natively", async () => {
    h.llm.script({ kind: "stream", pieces: ["**Paris** is", " the capital", " of France."] });
    const text = `<@${BOT_USER}> capital of France?`;
    const ts = said(CHANNEL, ALICE, text);
    const res = await h.sendEvent(appMentionEvent({ user: ALICE, channel: CHANNEL, ts, text }));
    assert.equal(res.status, 200);
    await settled(h.core);

    assert.equal(sent(0).at(-1), "capital of France?", "the bot's mention is removed");
    const replies = h.slack.thread(CHANNEL, ts).slice(1);
    assert.equal(replies.length, 1);
    assert.equal(replies[0]?.text, "**Paris** is the capital of France.");
    const methods = h.slack.calls.map((c) => c.method);
    assert.ok(
      methods.indexOf("assistant.threads.setStatus") < methods.indexOf("chat.startStream"),
      "thinking first",
    );
    assert.ok(methods.includes("chat.stopStream"));
    const stop = h.slack.callsTo("chat.stopStream")[0];
    assert.match(JSON.stringify(stop?.args.blocks), /feedback_buttons/);
    assert.deepEqual(h.slack.specViolations, []);
    assert.deepEqual(h.llm.specViolations, []);
  });

  it("answers later thread messages without a mention, and only in threads it is part of", async () => {
    h.llm.script(
      { kind: "stream", pieces: ["First answer."] },
      { kind: "stream", pieces: ["Second answer."] },
    );
    const root = nextTs();
    await h.sendEvent(
      appMentionEvent({ user: ALICE, channel: CHANNEL, ts: root, text: `<@${BOT_USER}> hello` }),
    );
    await settled(h.core);
    await h.sendEvent(
      messageEvent({ user: BOB, channel: CHANNEL, ts: nextTs(), threadTs: root, text: "and more?" }),
    );
    await settled(h.core);
    assert.equal(h.llm.requests.length, 2);
    assert.deepEqual(sent(1).slice(1), ["hello", "First answer.", "and more?"]);

    // A thread the bot never joined, and a top-level channel message: no answer.
    const other = nextTs();
    await h.sendEvent(
      messageEvent({ user: BOB, channel: CHANNEL, ts: nextTs(), threadTs: other, text: "unrelated" }),
    );
    await h.sendEvent(messageEvent({ user: BOB, channel: CHANNEL, ts: nextTs(), text: "top level chatter" }));
    await settled(h.core);
    assert.equal(h.llm.requests.length, 2);
  });

  it("reads the earlier messages of a thread it is mentioned in for the first time", async () => {
    const root = h.slack.seedMessage({
      channel: CHANNEL,
      user: BOB,
      text: "Our Q3 numbers are in the sheet.",
    });
    h.slack.seedMessage({ channel: CHANNEL, user: ALICE, text: "Revenue is up 12%.", threadTs: root });
    h.llm.script({ kind: "stream", pieces: ["Revenue grew 12% in Q3."] });
    await h.sendEvent(
      appMentionEvent({
        user: ALICE,
        channel: CHANNEL,
        ts: nextTs(),
        threadTs: root,
        text: `<@${BOT_USER}> summarise`,
      }),
    );
    await settled(h.core);
    assert.deepEqual(sent(0).slice(1), [
      `<@${BOB}>: Our Q3 numbers are in the sheet.`,
      `<@${ALICE}>: Revenue is up 12%.`,
      "summarise",
    ]);
    assert.equal(h.slack.callsTo("conversations.replies").length, 1);
  });

  it("answers a mention once although Slack sends app_mention and message, and ignores retries", async () => {
    h.llm.setFallback({ kind: "stream", pieces: ["Once."] });
    const text = `<@${BOT_USER}> hi`;
    const ts = said(CHANNEL, ALICE, text);
    await h.sendEvent(appMentionEvent({ user: ALICE, channel: CHANNEL, ts, text }), { eventId: "Ev1" });
    await h.sendEvent(messageEvent({ user: ALICE, channel: CHANNEL, ts, text }), { eventId: "Ev2" });
    await h.sendEvent(appMentionEvent({ user: ALICE, channel: CHANNEL, ts, text }), {
      eventId: "Ev1",
      retryNum: 1,
    });
    await settled(h.core);
    assert.equal(h.llm.requests.length, 1);
    assert.equal(h.slack.thread(CHANNEL, ts).length, 2, "the mention and one answer");
  });

  it("answers each top-level DM in a thread of its own (the agent view's timeline), and follow-ups in it", async () => {
    h.llm.setFallback((req) => ({
      kind: "stream",
      pieces: [`echo ${(req.body as ChatBody).messages.at(-1)?.content}`],
    }));
    const one = said(DM, ALICE, "one");
    await h.sendEvent(messageEvent({ user: ALICE, channel: DM, ts: one, text: "one" }));
    await settled(h.core);
    const two = said(DM, ALICE, "two");
    await h.sendEvent(messageEvent({ user: ALICE, channel: DM, ts: two, text: "two" }));
    await settled(h.core);
    await h.sendEvent(messageEvent({ user: ALICE, channel: DM, ts: nextTs(), threadTs: one, text: "three" }));
    await settled(h.core);

    assert.deepEqual(sent(1).slice(1), ["two"], "a new top-level message is a new conversation");
    assert.deepEqual(sent(2).slice(1), ["one", "echo one", "three"], "a reply continues its thread");
    assert.deepEqual(
      h.slack.thread(DM, one).map((m) => m.text),
      ["one", "echo one", "echo three"],
    );
    assert.deepEqual(
      h.slack.thread(DM, two).map((m) => m.text),
      ["two", "echo two"],
    );
    assert.equal(h.slack.channelMessages(DM).filter((m) => m.botId && !m.threadTs).length, 0);
  });

  it("ignores its own messages, other bots, edits, joins and deletions", async () => {
    const root = nextTs();
    h.llm.setFallback({ kind: "stream", pieces: ["answer"] });
    await h.sendEvent(
      appMentionEvent({ user: ALICE, channel: CHANNEL, ts: root, text: `<@${BOT_USER}> start` }),
    );
    await settled(h.core);
    const ignored = [
      {
        ...messageEvent({ user: BOT_USER, channel: CHANNEL, ts: nextTs(), threadTs: root, text: "my own" }),
        bot_id: "B0000BOT01",
      },
      {
        ...messageEvent({ user: "U0OTHERBOT", channel: CHANNEL, ts: nextTs(), threadTs: root, text: "beep" }),
        bot_id: "B0OTHER",
      },
      {
        ...messageEvent({ user: ALICE, channel: CHANNEL, ts: nextTs(), threadTs: root, text: "edited" }),
        subtype: "message_changed",
      },
      {
        ...messageEvent({ user: ALICE, channel: CHANNEL, ts: nextTs(), text: "joined" }),
        subtype: "channel_join",
      },
      {
        ...messageEvent({ user: ALICE, channel: CHANNEL, ts: nextTs(), threadTs: root, text: "" }),
        subtype: "message_deleted",
      },
    ];
    for (const event of ignored) await h.sendEvent(event);
    await settled(h.core);
    assert.equal(h.llm.requests.length, 1);
  });

  it("answers an empty mention with help and a file-only message with a text-only note", async () => {
    const ts = said(CHANNEL, ALICE, `<@${BOT_USER}>`);
    await h.sendEvent(appMentionEvent({ user: ALICE, channel: CHANNEL, ts, text: `<@${BOT_USER}>` }));
    await settled(h.core);
    assert.match(h.slack.thread(CHANNEL, ts)[1]?.text ?? "", /What I can do/);

    const fileTs = nextTs();
    await h.sendEvent({
      ...messageEvent({ user: ALICE, channel: DM, ts: fileTs, text: "" }),
      subtype: "file_share",
      files: [{ id: "F1" }],
    });
    await settled(h.core);
    await waitFor(
      () => h.slack.channelMessages(DM).some((m) => /only read text/.test(m.text)),
      2_000,
      "text-only reply",
    );
    assert.equal(h.llm.requests.length, 0);
  });
});

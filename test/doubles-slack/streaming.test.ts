// Native streaming in the Slack double, driven by the real WebClient and its ChatStreamer.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { STREAM_LIFETIME_MS } from "../doubles/slack/limits.js";
import { ALICE, BOB, manualClock, slackError, TEAM, webClient } from "../doubles/slack/test-support.js";
import { type SlackDouble, startSlackDouble } from "../doubles/slack/web-api-double.js";
import { skipWithoutSpecs } from "../doubles/specs-dir.js";

const clock = manualClock();
let double: SlackDouble;
before(async () => {
  double = await startSlackDouble({ rateLimiting: false, now: clock.now });
});
after(() => double.close());
afterEach(() => {
  assert.deepEqual(double.specViolations, []);
  double.reset();
});

const FEEDBACK_BLOCK = {
  type: "context_actions",
  elements: [
    {
      type: "feedback_buttons",
      action_id: "feedback",
      positive_button: { text: { type: "plain_text", text: "👍" }, value: "positive_feedback" },
      negative_button: { text: { type: "plain_text", text: "👎" }, value: "negative_feedback" },
    },
  ],
};

async function startInThread(channel: string, first = "Hello") {
  const web = webClient(double);
  const parent = double.seedMessage({ channel, user: ALICE, text: "question" });
  const started = await web.chat.startStream({
    channel,
    thread_ts: parent,
    markdown_text: first,
    recipient_user_id: ALICE,
    recipient_team_id: TEAM,
  });
  return { web, parent, ts: String(started.ts) };
}

describe("start, append, stop", () => {
  test("a user sees start + appends + stop as one message, with the stop blocks at the bottom", async () => {
    const { web, parent, ts } = await startInThread("C0STREAM01");
    assert.equal(double.message("C0STREAM01", ts)?.stream?.state, "streaming");
    await web.chat.appendStream({ channel: "C0STREAM01", ts, markdown_text: ", wor" });
    await web.chat.appendStream({ channel: "C0STREAM01", ts, markdown_text: "ld" });
    const stopped = await web.chat.stopStream({
      channel: "C0STREAM01",
      ts,
      markdown_text: "!",
      blocks: [FEEDBACK_BLOCK as never],
    });
    assert.equal(stopped.message?.text, "Hello, world!");
    const [, reply] = double.thread("C0STREAM01", parent);
    assert.equal(reply?.text, "Hello, world!");
    assert.equal(reply?.streaming, "stopped");
    assert.deepEqual(reply?.blocks, [FEEDBACK_BLOCK]);
    assert.equal(
      await slackError(web.chat.appendStream({ channel: "C0STREAM01", ts, markdown_text: "more" })),
      "message_not_in_streaming_state",
    );
  });

  test("client.chatStream (chunks, buffered) ends with what was appended", async () => {
    const web = webClient(double);
    const parent = double.seedMessage({ channel: "D0STREAM02", user: BOB, text: "hi" });
    const streamer = web.chatStream({ channel: "D0STREAM02", thread_ts: parent, buffer_size: 8 });
    for (const piece of ["The answer ", "is ", "forty-two", "."])
      await streamer.append({ markdown_text: piece });
    await streamer.stop({ blocks: [FEEDBACK_BLOCK as never] });
    assert.equal(double.visibleText("D0STREAM02", String(streamer.ts)), "The answer is forty-two.");
    const sent = double.calls.map((c) => c.method);
    assert.equal(sent[0], "chat.startStream");
    assert.equal(sent.at(-1), "chat.stopStream");
    assert.ok(double.callsTo("chat.appendStream").every((c) => Array.isArray(c.args.chunks)));
  });

  test("channels need recipient_user_id and recipient_team_id; DMs do not", async () => {
    const web = webClient(double);
    const parent = double.seedMessage({ channel: "C0STREAM03", user: ALICE, text: "q" });
    assert.equal(
      await slackError(web.chat.startStream({ channel: "C0STREAM03", thread_ts: parent })),
      "missing_recipient_user_id",
    );
    assert.equal(
      await slackError(
        web.chat.startStream({ channel: "C0STREAM03", thread_ts: parent, recipient_user_id: ALICE }),
      ),
      "missing_recipient_team_id",
    );
    const dm = double.seedMessage({ channel: "D0STREAM03", user: ALICE, text: "q" });
    assert.ok((await web.chat.startStream({ channel: "D0STREAM03", thread_ts: dm })).ts);
  });

  test("appending to a message that is not a live stream of this app fails", async () => {
    const web = webClient(double);
    const human = double.seedMessage({ channel: "C0STREAM04", user: ALICE, text: "q" });
    assert.equal(
      await slackError(web.chat.appendStream({ channel: "C0STREAM04", ts: human, markdown_text: "x" })),
      "message_not_owned_by_app",
    );
    const plain = await web.chat.postMessage({ channel: "C0STREAM04", text: "plain" });
    assert.equal(
      await slackError(
        web.chat.appendStream({ channel: "C0STREAM04", ts: String(plain.ts), markdown_text: "x" }),
      ),
      "message_not_in_streaming_state",
    );
  });

  test("thread_ts is optional (the docs list it so): a top-level stream in a DM", async () => {
    const web = webClient(double);
    // @slack/web-api's types demand thread_ts; the method docs do not.
    const started = await web.apiCall("chat.startStream", { channel: "D0TOPLEVEL", markdown_text: "top" });
    assert.equal(double.channelMessages("D0TOPLEVEL")[0]?.text, "top");
    assert.equal(double.channelMessages("D0TOPLEVEL")[0]?.threadTs, undefined);
    assert.equal(typeof (started as { ts?: unknown }).ts, "string");
  });

  test("chat.update on a live stream is a streaming_state_conflict", async () => {
    const { web, ts } = await startInThread("C0STREAM05");
    assert.equal(
      await slackError(web.chat.update({ channel: "C0STREAM05", ts, text: "x" })),
      "streaming_state_conflict",
    );
  });

  test("a stream the user stopped answers stopped_by_user", async () => {
    const { web, ts } = await startInThread("C0STREAM06");
    double.stopStreamAsUser("C0STREAM06", ts);
    assert.equal(
      await slackError(web.chat.appendStream({ channel: "C0STREAM06", ts, markdown_text: "x" })),
      "stopped_by_user",
    );
  });
});

describe("expiry", () => {
  test("after Slack's lifetime, append and stop fail and chat.update replaces the text", async () => {
    const { web, parent, ts } = await startInThread("C0EXPIRE01", "Part one");
    clock.advance(STREAM_LIFETIME_MS);
    assert.equal(
      await slackError(web.chat.appendStream({ channel: "C0EXPIRE01", ts, markdown_text: " two" })),
      "message_not_in_streaming_state",
    );
    assert.equal(
      await slackError(web.chat.stopStream({ channel: "C0EXPIRE01", ts })),
      "message_not_in_streaming_state",
    );
    assert.equal(double.thread("C0EXPIRE01", parent)[1]?.streaming, "expired");
    await web.chat.update({ channel: "C0EXPIRE01", ts, markdown_text: "Part one two" });
    const [, reply] = double.thread("C0EXPIRE01", parent);
    assert.equal(reply?.text, "Part one two");
    assert.equal(reply?.streaming, undefined);
  });

  test("expireStream ends a stream at once", async () => {
    const { web, ts } = await startInThread("C0EXPIRE02");
    double.expireStream("C0EXPIRE02", ts);
    assert.equal(
      await slackError(web.chat.stopStream({ channel: "C0EXPIRE02", ts })),
      "message_not_in_streaming_state",
    );
  });

  test("an idle expiry ends a stream that stops receiving appends", async () => {
    const idle = await startSlackDouble({ rateLimiting: false, now: clock.now, streamIdleExpiryMs: 10_000 });
    try {
      const web = webClient(idle);
      const parent = idle.seedMessage({ channel: "D0IDLE0001", user: ALICE, text: "q" });
      const started = await web.chat.startStream({
        channel: "D0IDLE0001",
        thread_ts: parent,
        markdown_text: "a",
      });
      const ts = String(started.ts);
      clock.advance(9_000);
      await web.chat.appendStream({ channel: "D0IDLE0001", ts, markdown_text: "b" });
      clock.advance(10_000);
      assert.equal(
        await slackError(web.chat.appendStream({ channel: "D0IDLE0001", ts, markdown_text: "c" })),
        "message_not_in_streaming_state",
      );
      assert.equal(idle.visibleText("D0IDLE0001", ts), "ab");
    } finally {
      await idle.close();
    }
  });
});

describe("stream ends a test injects", { timeout: 30_000 }, () => {
  test("an injected message_not_in_streaming_state ends the stream: chat.update then works", async () => {
    for (const method of ["chat.appendStream", "chat.stopStream"] as const) {
      const channel = method === "chat.appendStream" ? "C0INJECT01" : "C0INJECT02";
      const { web, parent, ts } = await startInThread(channel, "Part one");
      double.failNext(method, "message_not_in_streaming_state");
      const call =
        method === "chat.appendStream"
          ? web.chat.appendStream({ channel, ts, markdown_text: " two" })
          : web.chat.stopStream({ channel, ts, markdown_text: " two" });
      assert.equal(await slackError(call), "message_not_in_streaming_state");
      assert.equal(double.thread(channel, parent)[1]?.streaming, "expired", `${method}: the stream is over`);
      assert.equal(double.visibleText(channel, ts), "Part one", "what it showed stays");
      await web.chat.update({ channel, ts, markdown_text: "Part one two" });
      assert.equal(double.visibleText(channel, ts), "Part one two");
    }
  });

  test("an injected stopped_by_user is the user's stop: later appends get it too", async () => {
    const { web, ts } = await startInThread("C0INJECT03");
    double.failNext("chat.appendStream", "stopped_by_user");
    for (let i = 0; i < 2; i++) {
      assert.equal(
        await slackError(web.chat.appendStream({ channel: "C0INJECT03", ts, markdown_text: "x" })),
        "stopped_by_user",
      );
    }
    assert.equal(double.message("C0INJECT03", ts)?.stream?.state, "stopped");
  });

  test("only errors Slack documents for the method can be injected", { skip: skipWithoutSpecs() }, () => {
    // chat.stopStream's docs list message_not_in_streaming_state but not stopped_by_user; nothing
    // documents a separate "expired" or "too long" code for a stream.
    assert.throws(() => double.failNext("chat.stopStream", "stopped_by_user"), /does not answer/);
    assert.throws(() => double.failNext("chat.appendStream", "message_expired"), /does not answer/);
    assert.throws(() => double.failNext("chat.appendStream", "msg_too_long"), /does not answer/);
    double.failNext("chat.update", "streaming_state_conflict");
    double.failNext("chat.appendStream", "invalid_auth");
    double.failNext("chat.update", "internal_error", { status: 500 });
  });
});

describe("streaming unavailable", () => {
  test("chat.startStream answers the configured error and chat.postMessage still works", async () => {
    const web = webClient(double);
    double.setStreamingUnavailable("C0NOSTREAM", "not_allowed_token_type");
    const parent = double.seedMessage({ channel: "C0NOSTREAM", user: ALICE, text: "q" });
    assert.equal(
      await slackError(
        web.chat.startStream({
          channel: "C0NOSTREAM",
          thread_ts: parent,
          recipient_user_id: ALICE,
          recipient_team_id: TEAM,
        }),
      ),
      "not_allowed_token_type",
    );
    await web.chat.postMessage({ channel: "C0NOSTREAM", thread_ts: parent, text: "fallback" });
    assert.equal(double.thread("C0NOSTREAM", parent)[1]?.text, "fallback");
    double.setStreamingUnavailable("*");
    assert.equal(
      await slackError(web.apiCall("chat.startStream", { channel: "D0ANYWHERE" })),
      "channel_type_not_supported",
    );
    double.setStreamingUnavailable("*", null);
    double.setStreamingUnavailable("C0NOSTREAM", null);
  });
});

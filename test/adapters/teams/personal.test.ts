// Personal (1:1) chats: native streaming, the AI label and feedback, stop, the two-minute limit.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { personalConversationId, personalMessage } from "../../doubles/teams/activities.js";
import { startTeamsHarness, type TeamsHarness } from "./harness.js";

interface ChatBody {
  messages: Array<{ role: string; content: string }>;
}

describe("Teams personal chats", () => {
  let h: TeamsHarness;
  before(async () => {
    h = await startTeamsHarness();
  });
  after(() => h.close());
  beforeEach(() => {
    h.connector.reset();
    h.llm.reset();
  });

  it("streams the answer natively and ends with the AI label and feedback", async () => {
    h.llm.script({ kind: "stream", pieces: ["The ", "answer ", "is ", "42."], delayMs: 30 });
    const conversationId = personalConversationId();
    const res = await h.post(personalMessage(h.base, { text: "What is the answer?", conversationId }));
    assert.equal(res.status, 200);
    await h.settled();

    const messages = h.connector.visible(conversationId);
    assert.equal(messages.length, 1, "one message: the stream became the answer");
    assert.equal(messages[0]?.text, "The answer is 42.");
    assert.equal(messages[0]?.aiGenerated, true);
    assert.equal(messages[0]?.feedbackLoop, true);
    const kinds = h.connector.calls.map(
      (c) =>
        (c.body as { type?: string; channelData?: { streamType?: string } }).channelData?.streamType ??
        (c.body as { type?: string }).type,
    );
    assert.equal(kinds[0], "informative", "a status first");
    assert.ok(kinds.includes("streaming"));
    assert.equal(kinds.at(-1), "final");
    assert.deepEqual(h.connector.violations, []);
    assert.deepEqual(h.llm.specViolations, []);
  });

  it("keeps one conversation per chat", async () => {
    h.llm.setFallback((req) => ({
      kind: "stream",
      pieces: [`re: ${(req.body as ChatBody).messages.at(-1)?.content ?? ""}`],
    }));
    const conversationId = personalConversationId();
    await h.post(personalMessage(h.base, { text: "one", conversationId }));
    await h.settled();
    await h.post(personalMessage(h.base, { text: "two", conversationId }));
    await h.settled();
    const sent = (h.llm.requests[1]?.body as ChatBody | undefined)?.messages.slice(1).map((m) => m.content);
    assert.deepEqual(sent, ["one", "re: one", "two"]);
  });
});

describe("Teams personal chats: limits and the user's Stop", () => {
  let h: TeamsHarness;
  before(async () => {
    // Teams' two-minute stream limit and one-per-second pace, at a twentieth of real time.
    h = await startTeamsHarness({ timeScale: 0.05 });
  });
  after(() => h.close());
  beforeEach(() => {
    h.connector.reset();
    h.llm.reset();
  });
  const streamId = () => {
    const first = h.connector.calls.find((c) => c.status === 201);
    return (first?.response as { id?: string } | undefined)?.id ?? "";
  };

  it("stops sending when the user presses Stop, keeps what was shown, and remembers only that", async () => {
    const pieces = Array.from({ length: 40 }, (_, i) => `word${i} `);
    h.llm.script({ kind: "stream", pieces, delayMs: 25 }, { kind: "stream", pieces: ["ok"] });
    const conversationId = personalConversationId();
    await h.post(personalMessage(h.base, { text: "count slowly", conversationId }));
    const deadline = Date.now() + 5_000;
    while (!(h.connector.visible(conversationId)[0]?.text ?? "").includes("word3") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    h.connector.stopStreamAsUser(conversationId, streamId());
    const shownAtStop = h.connector.visible(conversationId)[0]?.text ?? "";
    await h.settled();

    const messages = h.connector.visible(conversationId);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]?.text, shownAtStop, "the text shown at the stop stays");
    assert.ok(shownAtStop.length < pieces.join("").length);
    const refusedAfterStop = h.connector.calls.filter((c) => c.status === 403).length;
    assert.ok(refusedAfterStop <= 1, "at most one request learns of the stop");

    await h.post(personalMessage(h.base, { text: "thanks", conversationId }));
    await h.settled();
    const history = (h.llm.requests[1]?.body as ChatBody | undefined)?.messages
      .slice(1)
      .map((m) => m.content);
    assert.deepEqual(
      history,
      ["count slowly", shownAtStop, "thanks"],
      "history holds what was shown, not the whole answer",
    );
  });

  it("ends a stream before Teams' two-minute limit and continues in a follow-up message", async () => {
    // 2 min × 0.05 = 6 s of stream; the answer takes about 8 s.
    const pieces = Array.from({ length: 80 }, (_, i) => `part${i} `);
    h.llm.script({ kind: "stream", pieces, delayMs: 100 });
    const conversationId = personalConversationId();
    await h.post(personalMessage(h.base, { text: "a long one", conversationId }));
    await h.settled();
    const messages = h.connector.visible(conversationId);
    assert.equal(messages.length, 2, "the stream, then a follow-up");
    const whole = `${messages[0]?.text ?? ""} ${messages[1]?.text ?? ""}`.replace(/\s+/g, " ").trim();
    assert.equal(whole, pieces.join("").trim());
    assert.equal(messages[1]?.aiGenerated, true, "the follow-up ends the answer with the label");
    assert.deepEqual(h.connector.violations, []);
    assert.equal(
      h.connector.calls.filter((c) => c.status === 403).length,
      0,
      "never refused for running past two minutes",
    );
  });
});

describe("Teams personal chats: streams Teams ends on its side", { timeout: 30_000 }, () => {
  /** Teams ends each stream for time once it has taken this many streaming requests. */
  const STREAM_REQUESTS = 4;
  let h: TeamsHarness;
  before(async () => {
    h = await startTeamsHarness({ timeScale: 0.05, connector: { streamEndsAfterRequests: STREAM_REQUESTS } });
  });
  after(() => h.close());
  beforeEach(() => {
    h.connector.reset();
    h.llm.reset();
  });
  const streamId = () => {
    const first = h.connector.calls.find((c) => c.status === 201);
    return (first?.response as { id?: string } | undefined)?.id ?? "";
  };
  const joined = (texts: string[]) => texts.join(" ").replace(/\s+/g, " ").trim();

  it("shows an answer longer than the stream's time whole: the stream, then a follow-up", async () => {
    const pieces = Array.from({ length: 40 }, (_, i) => `word${i} `);
    const answer = pieces.join("");
    h.llm.script({ kind: "stream", pieces, delayMs: 25 }, { kind: "stream", pieces: ["ok"] });
    const conversationId = personalConversationId();
    await h.post(personalMessage(h.base, { text: "count slowly", conversationId }));
    await h.settled();

    const messages = h.connector.visible(conversationId);
    assert.equal(messages.length, 2, "the stream, then one follow-up");
    const [streamed, followUp] = messages;
    assert.equal(joined(messages.map((m) => m.text)), answer.trim(), "nothing lost, nothing doubled");
    assert.ok(answer.startsWith(streamed?.text ?? "-"), "the stream shows the start of the answer");
    assert.ok((streamed?.text.length ?? 0) < answer.trim().length, "the stream ended before the answer did");
    assert.equal(streamed?.stream, "timedOut");
    const refused = h.connector.calls.filter((c) => c.status === 403);
    assert.equal(refused.length, 1, "one request learns that the stream ended");
    const closing = h.connector.callsTo("update").filter((c) => c.activityId === streamId());
    assert.equal(closing.length, 1, "a final message for the ended stream, in place");
    assert.equal(closing[0]?.status, 200);
    assert.equal((closing[0]?.body as { text?: string } | undefined)?.text, streamed?.text);
    assert.equal(followUp?.aiGenerated, true, "the follow-up ends the answer with the label");
    assert.equal(followUp?.feedbackLoop, true);
    assert.equal(
      h.connector.calls.filter((c) => c.status === 429).length,
      0,
      "no 429, stream pace and conversation limits kept",
    );
    assert.deepEqual(h.connector.rateLimited, {});
    assert.deepEqual(h.connector.violations, []);

    await h.post(personalMessage(h.base, { text: "thanks", conversationId }));
    await h.settled();
    const history = (h.llm.requests[1]?.body as ChatBody | undefined)?.messages.slice(1) ?? [];
    assert.equal(joined([history[1]?.content ?? ""]), answer.trim(), "history holds the whole answer");
  });

  it("goes on in a follow-up after a 403 without a code: that is not the user's Stop", async () => {
    const pieces = Array.from({ length: 30 }, (_, i) => `item${i} `);
    const answer = pieces.join("");
    h.llm.script({ kind: "stream", pieces, delayMs: 25 });
    const conversationId = personalConversationId();
    await h.post(personalMessage(h.base, { text: "list them", conversationId }));
    const deadline = Date.now() + 5_000;
    while (!(h.connector.visible(conversationId)[0]?.text ?? "").includes("item2") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    h.connector.endStream(conversationId, streamId(), { status: 403 });
    await h.settled();

    const messages = h.connector.visible(conversationId);
    assert.equal(messages.length, 2);
    assert.equal(joined(messages.map((m) => m.text)), answer.trim());
    assert.equal(messages[0]?.stream, "ended");
    assert.equal(messages[1]?.aiGenerated, true);
    assert.equal(h.connector.calls.filter((c) => c.status === 403).length, 1);
    assert.deepEqual(h.connector.violations, []);
  });

  it("still stops on the user's Stop, in either spelling of Teams' message", async () => {
    // The double says "canceled by user" (stopStreamAsUser); the docs' table also has "cancelled".
    const cancelled = {
      status: 403,
      body: { error: { code: "ContentStreamNotAllowed", message: "Content stream was cancelled by user." } },
    };
    for (const stop of ["stopStreamAsUser", "cancelled"] as const) {
      h.connector.reset();
      const pieces = Array.from({ length: 30 }, (_, i) => `step${i} `);
      h.llm.script({ kind: "stream", pieces, delayMs: 25 });
      const conversationId = personalConversationId();
      await h.post(personalMessage(h.base, { text: "go", conversationId }));
      const deadline = Date.now() + 5_000;
      while (
        !(h.connector.visible(conversationId)[0]?.text ?? "").includes("step1") &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 5));
      }
      if (stop === "stopStreamAsUser") h.connector.stopStreamAsUser(conversationId, streamId());
      else h.connector.endStream(conversationId, streamId(), cancelled);
      const shownAtStop = h.connector.visible(conversationId)[0]?.text ?? "";
      await h.settled();

      const messages = h.connector.visible(conversationId);
      assert.deepEqual(
        messages.map((m) => m.text),
        [shownAtStop],
        `no follow-up after a Stop (${stop})`,
      );
      assert.ok(shownAtStop.length < pieces.join("").length);
      assert.equal(messages[0]?.stream, stop === "stopStreamAsUser" ? "stopped" : "ended");
      assert.equal(h.connector.callsTo("update").length, 0, "nothing more is sent");
      assert.deepEqual(h.connector.violations, []);
    }
  });

  it("puts the whole answer on the streamed message when Teams ended the stream before any text", async () => {
    const quick = await startTeamsHarness({ timeScale: 0.05, connector: { streamEndsAfterRequests: 1 } });
    try {
      const answer = "The answer came after the status alone had used up the stream.";
      // The first text comes after the informative update (600 ms × 0.05), the stream's one request.
      quick.llm.script({ kind: "stream", pieces: [answer], delayMs: 150 });
      const conversationId = personalConversationId();
      await quick.post(personalMessage(quick.base, { text: "slow start", conversationId }));
      await quick.settled();

      const first = quick.connector.calls[0]?.body as { channelData?: { streamType?: string } } | undefined;
      assert.equal(first?.channelData?.streamType, "informative", "the status took the stream's request");
      const messages = quick.connector.visible(conversationId);
      assert.equal(messages.length, 1, "no empty stream left behind, no second message");
      assert.equal(messages[0]?.text, answer);
      assert.equal(messages[0]?.stream, "timedOut");
      assert.equal(messages[0]?.aiGenerated, true);
      assert.equal(messages[0]?.feedbackLoop, true);
      assert.deepEqual(quick.connector.violations, []);
    } finally {
      await quick.close();
    }
  });
});

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

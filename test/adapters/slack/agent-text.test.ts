// The words of the agent features: which questions mean "the conversation I am looking at", the
// title a session gets from its first question, and message permalinks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sessionTitle, TITLE_MAX_CHARS } from "../../../adapters/slack/session-title.js";
import { permalink, refersToViewed } from "../../../adapters/slack/viewed-conversation.js";

describe("Slack agent texts", () => {
  it("reads 'summarize this' and its kin as questions about what the user is looking at", () => {
    for (const q of [
      "Summarize this",
      "summarise this please",
      "tl;dr",
      "TLDR?",
      "recap",
      "what's going on here?",
      "what is happening",
      "what did they decide in this thread?",
      "summarize the channel",
      "catch me up on the discussion",
    ]) {
      assert.equal(refersToViewed(q), true, q);
    }
    for (const q of [
      "give me a summary of the vacation policy",
      "summarize the Q3 roadmap document",
      "capital of France?",
      "what's going on with the build server",
    ]) {
      assert.equal(refersToViewed(q), false, q);
    }
  });

  it("titles a session from the first line of the question, without Slack markup, cut at a word", () => {
    assert.equal(
      sessionTitle("How many *vacation* days do I get?\nI joined in May."),
      "How many vacation days do I get?",
    );
    assert.equal(
      sessionTitle("<@U0BOT> ask <#C123|general> about <https://x.example|the doc>"),
      "ask general about the doc",
    );
    const long = sessionTitle("word ".repeat(40));
    assert.ok(long.length <= TITLE_MAX_CHARS && long.endsWith("…") && !long.includes("wor…"), long);
    assert.equal(sessionTitle("   \n  "), "");
  });

  it("links a message, and a reply with its thread", () => {
    assert.equal(
      permalink("https://acme.slack.com/", "C123", { ts: "1700000000.000100" }),
      "https://acme.slack.com/archives/C123/p1700000000000100",
    );
    assert.equal(
      permalink("https://acme.slack.com", "C123", {
        ts: "1700000001.000200",
        thread_ts: "1700000000.000100",
      }),
      "https://acme.slack.com/archives/C123/p1700000001000200?thread_ts=1700000000.000100&cid=C123",
    );
  });
});

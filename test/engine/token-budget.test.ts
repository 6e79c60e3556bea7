import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  fitToBudget,
  REPLY_PRIMING_TOKENS,
  SAFETY_MARGIN_TOKENS,
  TOKENS_PER_MESSAGE,
} from "../../src/engine/token-budget.js";
import { countTokens, loadEncoders } from "../../src/engine/tokens.js";
import { isBotError } from "../../src/errors.js";
import { type ModelProfile, profileFor } from "../../src/llm/models.js";
import type { StoredMessage } from "../../src/store/types.js";

const small = (contextTokens: number): ModelProfile => ({ ...profileFor("gpt-4o"), contextTokens });
const turn = (role: "user" | "assistant", content: string): StoredMessage => ({ role, content, at: 0 });

describe("token counting", () => {
  before(() => loadEncoders(["o200k_base", "cl100k_base"]));

  it("uses the tokenizer of the model family", () => {
    // Known counts: "hello world" is 2 tokens in both; a longer sentence differs between the two.
    assert.equal(countTokens("hello world", "o200k_base"), 2);
    assert.equal(countTokens("hello world", "cl100k_base"), 2);
    const text = "Grüße aus München! これは日本語のテキストです。";
    assert.notEqual(countTokens(text, "o200k_base"), countTokens(text, "cl100k_base"));
    assert.equal(profileFor("gpt-35-turbo").encoding, "cl100k_base");
    assert.equal(profileFor("gpt-4o-mini").encoding, "o200k_base");
    assert.equal(profileFor("o3-mini").encoding, "o200k_base");
    assert.equal(profileFor("gpt-4").encoding, "cl100k_base");
  });

  it("counts special-token text as ordinary text instead of throwing", () => {
    assert.ok(countTokens("<|endoftext|>", "o200k_base") > 1);
  });
});

describe("fitToBudget", () => {
  before(() => loadEncoders(["o200k_base"]));

  it("keeps everything when it fits, in order", () => {
    const history = [
      turn("user", "one"),
      turn("assistant", "two"),
      turn("user", "three"),
      turn("assistant", "four"),
    ];
    const r = fitToBudget({
      systemPrompt: "sys",
      history,
      userText: "five",
      profile: small(10_000),
      replyTokens: 500,
    });
    assert.deepEqual(
      r.messages.map((m) => `${m.role}:${m.content}`),
      ["system:sys", "user:one", "assistant:two", "user:three", "assistant:four", "user:five"],
    );
    assert.equal(r.dropped, 0);
    const expected = r.messages.reduce(
      (n, m) => n + countTokens(m.content, "o200k_base") + TOKENS_PER_MESSAGE,
      0,
    );
    assert.equal(r.promptTokens, expected + REPLY_PRIMING_TOKENS);
  });

  it("drops the oldest turns first and never starts with an orphan answer", () => {
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ");
    const history = [
      turn("user", words(300)),
      turn("assistant", words(300)),
      turn("user", "q2"),
      turn("assistant", words(200)),
    ];
    // Window: context 900 - reply 100 - priming - margin leaves room for the newest pair only.
    const r = fitToBudget({
      systemPrompt: "sys",
      history,
      userText: "q3",
      profile: small(900),
      replyTokens: 100,
    });
    assert.equal(r.messages[1]?.content, "q2");
    assert.equal(r.messages[1]?.role, "user");
    assert.equal(r.dropped, 2);
    assert.ok(
      r.promptTokens <= 900 - 100 - REPLY_PRIMING_TOKENS - SAFETY_MARGIN_TOKENS + REPLY_PRIMING_TOKENS,
    );
  });

  it("trims harder when asked to (after context_length_exceeded)", () => {
    const history = Array.from({ length: 20 }, (_, i) =>
      turn(i % 2 ? "assistant" : "user", `message number ${i} `.repeat(5)),
    );
    const full = fitToBudget({
      systemPrompt: "s",
      history,
      userText: "q",
      profile: small(2_000),
      replyTokens: 100,
    });
    const hard = fitToBudget({
      systemPrompt: "s",
      history,
      userText: "q",
      profile: small(2_000),
      replyTokens: 100,
      historyShare: 0.25,
    });
    assert.ok(hard.messages.length < full.messages.length);
  });

  it("uses token counts cached with the message when the encoding matches", () => {
    const cached: StoredMessage = {
      role: "user",
      content: "short",
      at: 0,
      tokens: 5_000,
      encoding: "o200k_base",
    };
    const r = fitToBudget({
      systemPrompt: "s",
      history: [cached],
      userText: "q",
      profile: small(4_000),
      replyTokens: 100,
    });
    assert.equal(r.dropped, 1, "the cached count (5,000) is what decides");
    const other = { ...cached, encoding: "cl100k_base" };
    assert.equal(
      fitToBudget({
        systemPrompt: "s",
        history: [other],
        userText: "q",
        profile: small(4_000),
        replyTokens: 100,
      }).dropped,
      0,
    );
  });

  it("refuses a user message that cannot fit even alone", () => {
    const huge = "lorem ipsum ".repeat(3_000);
    assert.throws(
      () =>
        fitToBudget({
          systemPrompt: "s",
          history: [],
          userText: huge,
          profile: small(4_000),
          replyTokens: 500,
        }),
      (err: unknown) => isBotError(err, "input_too_long"),
    );
    // Absurdly long input is refused without tokenizing it.
    const absurd = "x".repeat(4_000 * 9);
    assert.throws(
      () =>
        fitToBudget({
          systemPrompt: "s",
          history: [],
          userText: absurd,
          profile: small(4_000),
          replyTokens: 500,
        }),
      (err: unknown) => isBotError(err, "input_too_long"),
    );
  });
});

describe("fitToBudget with the sources of a grounded answer", () => {
  before(() => loadEncoders(["o200k_base"]));
  const passage = (i: number, words: number) => ({
    heading: `[${i}] Policy ${i}`,
    content: Array.from({ length: words }, (_, w) => `word${i}x${w}`).join(" "),
  });
  const instruction = "Answer only from these sources.";

  it("puts the sources before the question and keeps them all when they fit", () => {
    const result = fitToBudget({
      systemPrompt: "You are a bot.",
      history: [turn("user", "hi"), turn("assistant", "hello")],
      userText: "How many vacation days?",
      profile: small(8_000),
      replyTokens: 500,
      grounding: { instruction, passages: [passage(1, 20), passage(2, 20)] },
    });
    assert.equal(result.passagesKept, 2);
    assert.deepEqual(
      result.messages.map((m) => m.role),
      ["system", "user", "assistant", "system", "user"],
    );
    const sources = result.messages.at(-2)?.content ?? "";
    assert.ok(sources.startsWith(instruction));
    assert.ok(sources.indexOf("[1] Policy 1") < sources.indexOf("[2] Policy 2"), "rank order");
    assert.equal(result.messages.at(-1)?.content, "How many vacation days?");
  });

  it("with many long passages and a long history: sources first, the question intact, under the window", () => {
    const profile = small(4_000);
    const history = Array.from({ length: 60 }, (_, i) =>
      turn(i % 2 ? "assistant" : "user", `earlier message ${i} `.repeat(20)),
    );
    const question = "And how does that apply to contractors in the Berlin office?";
    const result = fitToBudget({
      systemPrompt: "You are a bot.",
      history,
      userText: question,
      profile,
      replyTokens: 1_000,
      grounding: { instruction, passages: Array.from({ length: 10 }, (_, i) => passage(i + 1, 400)) },
    });
    const total =
      result.messages.reduce((sum, m) => sum + countTokens(m.content, "o200k_base") + TOKENS_PER_MESSAGE, 0) +
      REPLY_PRIMING_TOKENS;
    assert.ok(
      total + 1_000 <= profile.contextTokens,
      `prompt ${total} + reply 1000 > ${profile.contextTokens}`,
    );
    assert.ok(result.promptTokens >= total - 16, "our count matches the messages");
    assert.equal(result.messages.at(-1)?.content, question, "the question is never cut");
    assert.ok(result.passagesKept >= 1 && result.passagesKept < 10, `kept ${result.passagesKept}`);
    const sources = result.messages.at(-2)?.content ?? "";
    assert.ok(sources.includes(`[${result.passagesKept}] Policy ${result.passagesKept}`));
    assert.ok(!sources.includes(`[${result.passagesKept + 1}] Policy`), "later passages dropped");
    assert.equal(result.dropped, 60, "history gets what the sources left: nothing here");
  });

  it("cuts the last passage that does not fit whole, and drops one with too little room", () => {
    const profile = small(2_000);
    const result = fitToBudget({
      systemPrompt: "You are a bot.",
      history: [],
      userText: "q?",
      profile,
      replyTokens: 500,
      grounding: { instruction, passages: [passage(1, 600), passage(2, 600)] },
    });
    assert.equal(result.passagesKept, 1);
    const sources = result.messages.at(-2)?.content ?? "";
    assert.ok(sources.includes("word1x0"));
    assert.ok(!sources.includes("word1x599"), "the passage was cut");
    assert.ok(result.promptTokens + 500 <= profile.contextTokens - SAFETY_MARGIN_TOKENS + 16);
  });

  it("sends the instruction alone when the search found nothing", () => {
    const result = fitToBudget({
      systemPrompt: "s",
      history: [],
      userText: "q?",
      profile: small(4_000),
      replyTokens: 100,
      grounding: { instruction: "A search found nothing.", passages: [] },
    });
    assert.equal(result.passagesKept, 0);
    assert.equal(result.messages.at(-2)?.content, "A search found nothing.");
  });
});

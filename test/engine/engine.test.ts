// The engine end to end: the real openai client against the Azure OpenAI double over HTTP, a real
// Redis, and a recording reply sink. Each test uses its own key prefix.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Core, createCore } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import { createMetrics } from "../../src/metrics.js";
import { systemClock } from "../../src/reply/clock.js";
import { encodeThreadKey } from "../../src/store/keys.js";
import { type AzureOpenAIDouble, DEFAULT_API_KEY, startAzureOpenAIDouble } from "../doubles/azure-openai.js";
import { consoleMessage } from "../helpers/console-message.js";
import { RecordingSink } from "../helpers/recording-sink.js";

const REDIS_URL = `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/3`;

interface SentBody {
  messages: Array<{ role: string; content: string }>;
  temperature?: number;
  max_tokens?: number;
}

describe("Engine", () => {
  let double: AzureOpenAIDouble;
  let core: Core;
  const message = consoleMessage;
  const sink = () => new RecordingSink(systemClock, { limits: { minIntervalMs: 5 }, begin: true });
  const bodies = () => double.requests.map((r) => r.body as SentBody);
  const history = (thread = "t1") =>
    core.store.load(encodeThreadKey({ platform: "console", tenant: "T", channel: "C", thread }));

  before(async () => {
    double = await startAzureOpenAIDouble();
  });
  after(async () => {
    await core?.store.close();
    await double.close();
  });
  beforeEach(async () => {
    await core?.store.close();
    double.reset();
    const config = loadConfig({
      AZURE_OPENAI_ENDPOINT: double.url,
      AZURE_OPENAI_API_KEY: DEFAULT_API_KEY,
      AZURE_OPENAI_DEPLOYMENT: "gpt-4o",
      LLM_ALLOWED_MODELS: "gpt-4o-mini,small=gpt-4o:1500",
      LLM_MAX_RETRIES: "1",
      REDIS_URL,
      REDIS_KEY_PREFIX: `test:engine:${randomUUID()}:`,
      SYSTEM_PROMPT: "You are a test bot.",
    });
    core = await createCore(config, silentLogger, { metrics: createMetrics() });
  });

  it("streams an answer, then remembers the turn in Redis", async () => {
    double.script({
      kind: "stream",
      pieces: ["Hel", "lo", " there", "!"],
      usage: { promptTokens: 21, completionTokens: 4 },
    });
    const s = sink();
    assert.equal(await core.engine.handle(message("Hi!"), s), "answered");

    assert.deepEqual(s.messages, [{ id: "m1", text: "Hello there!", final: true }]);
    assert.equal(s.calls[0]?.method, "begin", "thinking is shown first");
    assert.deepEqual(bodies()[0]?.messages, [
      { role: "system", content: "You are a test bot." },
      { role: "user", content: "Hi!" },
    ]);
    assert.deepEqual(
      (await history()).map((m) => [m.role, m.content]),
      [
        ["user", "Hi!"],
        ["assistant", "Hello there!"],
      ],
    );
    const metrics = await core.metrics.registry.metrics();
    assert.match(metrics, /bot_tokens_total\{direction="in"\} 21/);
    assert.match(metrics, /bot_tokens_total\{direction="out"\} 4/);
    assert.match(metrics, /bot_turns_total\{platform="console",outcome="answered"\} 1/);
    assert.deepEqual(double.specViolations, []);
  });

  it("counts the tokens of an empty answer (a reasoning model that spent its whole budget thinking)", async () => {
    double.script({
      kind: "stream",
      pieces: [],
      finishReason: "length",
      usage: { promptTokens: 30, completionTokens: 800 },
    });
    const s = sink();
    assert.equal(await core.engine.handle(message("Prove it.", "t-empty"), s), "answered");
    assert.match(s.messages.at(-1)?.text ?? "", /used its whole `max_tokens` budget/);
    const metrics = await core.metrics.registry.metrics();
    assert.match(metrics, /bot_tokens_total\{direction="out"\} 800/, "the thinking tokens are counted");
    const month = new Date().toISOString().slice(0, 7);
    const usage = await core.store.usageReport("console:T", month);
    assert.equal(usage.conversations["console:T:C"]?.promptTokens, 30);
    assert.equal(usage.conversations["console:T:C"]?.completionTokens, 800);
    assert.equal(usage.conversations["console:T:C"]?.turns, 1);
    assert.deepEqual(await history("t-empty"), [], "nothing worth remembering in history");
  });

  it("sends the earlier turns along on the next message", async () => {
    double.script({ kind: "stream", pieces: ["Paris."] }, { kind: "stream", pieces: ["About 2.1 million."] });
    await core.engine.handle(message("Capital of France?"), sink());
    await core.engine.handle(message("How many people live there?"), sink());
    assert.deepEqual(
      bodies()[1]?.messages.map((m) => m.content),
      ["You are a test bot.", "Capital of France?", "Paris.", "How many people live there?"],
    );
    assert.equal((await history()).length, 4);
  });

  it("keeps a failed turn out of history and says what happened", async () => {
    double.script(
      { kind: "cut", pieces: ["Partial", " answer"] },
      { kind: "cut", pieces: ["Partial", " answer"] },
    );
    const s = sink();
    assert.equal(await core.engine.handle(message("Tell me a story"), s), "failed");
    const last = s.messages.at(-1);
    assert.ok(last?.final, "the reply is finished, not left streaming");
    assert.match(
      last?.text ?? "",
      /^Partial answer\n\n⚠️ The answer was cut off because the connection to the AI service broke/,
    );
    assert.deepEqual(await history(), []);
    assert.match(await core.metrics.registry.metrics(), /bot_errors_total\{kind="llm_stream_cut"\} 1/);
  });

  const failures: Array<[string, Parameters<AzureOpenAIDouble["script"]>, RegExp]> = [
    [
      "a 429 that outlasts the retries",
      [
        { kind: "rate-limited", retryAfterMs: 10 },
        { kind: "rate-limited", retryAfterMs: 10 },
      ],
      /The AI service is busy right now\. Please try again in \d+ s\./,
    ],
    [
      "a content filter on the prompt",
      [{ kind: "prompt-filtered", category: "violence" }],
      /blocked by the content filter \(violence\)/,
    ],
    [
      "a content filter on the answer",
      [{ kind: "completion-filtered", pieces: ["Some"], category: "hate" }],
      /^Some\n\n⚠️ The answer was stopped by the content filter \(hate\)\./,
    ],
    [
      "a 401",
      [{ kind: "unauthorized" }],
      /could not sign in to the AI service\. This is a configuration problem/,
    ],
    ["a missing deployment", [{ kind: "not-found" }], /deployment `gpt-4o` was not found/],
  ];
  for (const [name, scenarios, expected] of failures) {
    it(`answers ${name} with one clear sentence`, async () => {
      double.script(...scenarios);
      const s = sink();
      assert.equal(await core.engine.handle(message("Question"), s), "failed");
      assert.equal(s.unfinished.length, 0);
      assert.match(s.messages.at(-1)?.text ?? "", expected);
      assert.deepEqual(await history(), []);
      assert.deepEqual(double.specViolations, []);
    });
  }

  it("trims harder and retries once when the service says the context is too long", async () => {
    // A 1,500-token model: the reply takes 750, so the two earlier turns fill most of the window.
    await core.engine.handle(message("settings set model small"), sink());
    const long = "lorem ipsum ".repeat(100);
    double.script({ kind: "stream", pieces: [long] }, { kind: "stream", pieces: [long] });
    await core.engine.handle(message("first"), sink());
    await core.engine.handle(message("second"), sink());
    double.script({ kind: "context-length-exceeded" }, { kind: "stream", pieces: ["Short answer."] });
    const s = sink();
    assert.equal(await core.engine.handle(message("third"), s), "answered");
    const [tooLong, retry] = bodies().slice(2);
    assert.equal(tooLong?.messages.length, 6, "system, two earlier turns, the question");
    assert.ok(retry && retry.messages.length < tooLong.messages.length, "the retry sent less history");
    assert.equal(retry.messages.at(-1)?.content, "third");
    assert.equal(s.messages.at(-1)?.text, "Short answer.");
  });

  it("refuses a message too long for the model without calling it", async () => {
    const s = sink();
    assert.equal(await core.engine.handle(message("word ".repeat(200_000)), s), "failed");
    assert.match(
      s.messages.at(-1)?.text ?? "",
      /Your message is too long for the model \(about \d+ tokens against \d+ available\)/,
      "the user learns how far over the limit it is",
    );
    assert.equal(double.requests.length, 0);
  });

  it("applies conversation settings to the next request", async () => {
    const s = sink();
    assert.equal(await core.engine.handle(message("settings set temperature 0.3"), s), "command");
    assert.match(s.messages[0]?.text ?? "", /`temperature` is now `0.3`/);
    await core.engine.handle(message("settings set model gpt-4o-mini"), sink());
    await core.engine.handle(message("settings set max_tokens 55"), sink());
    double.script({ kind: "stream", pieces: ["ok"] });
    await core.engine.handle(message("hello"), sink());
    const [request] = double.requests;
    assert.ok(request);
    assert.equal(request.model, "gpt-4o-mini");
    assert.equal((request.body as SentBody).temperature, 0.3);
    assert.equal((request.body as SentBody).max_tokens, 55);
  });

  it("reads a command once and asks for the user's rights only when a command changes something", async () => {
    let asked = 0;
    const counted = (text: string, conversation: boolean) =>
      message(text, "t-rights", {
        rights: async () => {
          asked++;
          return { conversation, workspace: false };
        },
      });
    double.script({ kind: "stream", pieces: ["Hi."] });
    assert.equal(
      await core.engine.handle(counted("settings set temperature is my question", true), sink()),
      "command",
    );
    assert.equal(asked, 1, "a change asks");
    for (const text of ["what is the temperature today?", "settings", "help"]) {
      double.script({ kind: "stream", pieces: ["Hi."] });
      await core.engine.handle(counted(text, true), sink());
    }
    assert.equal(asked, 1, "a question, the settings listing and help do not ask");

    const refused = sink();
    await core.engine.handle(counted("settings set temperature 0.5", false), refused);
    assert.match(refused.messages.at(-1)?.text ?? "", /Only admins can change this channel's settings/);
    const failing = sink();
    await core.engine.handle(
      message("settings set temperature 0.5", "t-rights", {
        rights: () => Promise.reject(new Error("directory unreachable")),
      }),
      failing,
    );
    assert.match(
      failing.messages.at(-1)?.text ?? "",
      /Only admins can change/,
      "a failed lookup is no rights, answered plainly",
    );

    const chat = sink();
    assert.equal(
      await core.engine.handle(message("what is new?"), chat, { commandsOnly: true }),
      "not_a_command",
    );
    assert.equal(chat.calls.length, 0, "nothing was sent for chat when only commands were asked for");
  });

  it("forgets a thread on `forget`", async () => {
    double.script({ kind: "stream", pieces: ["noted"] });
    await core.engine.handle(message("remember 42"), sink());
    assert.equal((await history()).length, 2);
    await core.engine.handle(message("forget"), sink());
    assert.deepEqual(await history(), []);
  });

  it("handles messages of one thread in arrival order, other threads alongside", async () => {
    double.setFallback((req) => {
      const body = req.body as SentBody;
      return { kind: "stream", pieces: [`answer to ${body.messages.at(-1)?.content}`], delayMs: 20 };
    });
    await Promise.all([
      core.engine.handle(message("one"), sink()),
      core.engine.handle(message("two"), sink()),
      core.engine.handle(message("other", "t2"), sink()),
      core.engine.handle(message("three"), sink()),
    ]);
    assert.deepEqual(
      (await history()).map((m) => m.content),
      ["one", "answer to one", "two", "answer to two", "three", "answer to three"],
    );
    const third = bodies().find((b) => b.messages.at(-1)?.content === "three");
    assert.deepEqual(
      third?.messages.map((m) => m.content).slice(1),
      ["one", "answer to one", "two", "answer to two", "three"],
      "each turn saw the turns before it",
    );
  });

  it("on shutdown, lets a reply finish within the grace and closes a stuck one with a note", async () => {
    double.script({ kind: "hang", pieces: ["Thinking about"] });
    const s = sink();
    const turn = core.engine.handle(message("slow question"), s);
    while (double.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await core.engine.drain(200);
    assert.equal(await turn, "failed");
    assert.match(s.messages.at(-1)?.text ?? "", /I was restarting and could not finish this answer/);
    assert.equal(s.unfinished.length, 0);
    assert.deepEqual(await history(), []);

    const late = sink();
    assert.equal(await core.engine.handle(message("after shutdown"), late), "failed");
    assert.match(late.messages[0]?.text ?? "", /restarting/);
  });

  it("on shutdown, answers a message acknowledged before it that had not reached the engine yet", async () => {
    double.script({ kind: "stream", pieces: ["Still answered."] });
    const s = sink();
    let release: () => void = () => {};
    const lookup = new Promise<void>((r) => (release = r));
    // What an adapter does between the platform's ack and handle(): dedupe, thread lookups, rights.
    const work = core.engine.track(lookup.then(() => core.engine.handle(message("just in time"), s)));
    assert.equal(core.engine.inFlight, 1, "in flight from the ack on");
    const draining = core.engine.drain(2_000);
    setTimeout(release, 50);
    await draining;
    assert.equal(await work, "answered");
    assert.equal(s.messages.at(-1)?.text, "Still answered.");
    assert.equal(core.engine.inFlight, 0);
  });
});

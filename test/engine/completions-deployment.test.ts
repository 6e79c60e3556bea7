// A legacy Completions deployment (an instruct model marked `:completions` in LLM_ALLOWED_MODELS)
// end to end: the real openai client against the Azure OpenAI double's /completions route, checked
// against the 2024-10-21 spec. The conversation goes as a transcript with role labels, `stop` ends
// the answer at the next user label, a content filter on the completion says so, and usage counts.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Core, createCore } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { NEXT_USER_STOP } from "../../src/llm/completions-request.js";
import { silentLogger } from "../../src/log.js";
import { createMetrics } from "../../src/metrics.js";
import { systemClock } from "../../src/reply/clock.js";
import { type AzureOpenAIDouble, DEFAULT_API_KEY, startAzureOpenAIDouble } from "../doubles/azure-openai.js";
import { consoleMessage } from "../helpers/console-message.js";
import { RecordingSink } from "../helpers/recording-sink.js";

const REDIS_URL = `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/3`;

interface CompletionsBody {
  prompt: string;
  stop: string[];
  max_tokens: number;
  temperature?: number;
  stream: boolean;
}

describe("a Completions deployment", { timeout: 30_000 }, () => {
  let double: AzureOpenAIDouble;
  let core: Core;
  const sink = () => new RecordingSink(systemClock, { limits: { minIntervalMs: 5 }, begin: true });
  const ask = async (text: string, thread = "instruct") => {
    const s = sink();
    await core.engine.handle(consoleMessage(text, thread), s);
    return s.messages.at(-1)?.text ?? "";
  };

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
      LLM_ALLOWED_MODELS: "gpt-4o,instruct=gpt-35-turbo-instruct:completions",
      REDIS_URL,
      REDIS_KEY_PREFIX: `test:completions:${randomUUID()}:`,
      SYSTEM_PROMPT: "You are a test bot.",
    });
    core = await createCore(config, silentLogger, { metrics: createMetrics() });
    assert.match(await ask("settings set model instruct"), /`model` is now `instruct`/);
  });

  it("sends the conversation as a transcript, streams the answer, and stops at the next user label", async () => {
    double.script(
      { kind: "stream", pieces: ["Paris", " is the capital."] },
      // The model would go on writing the user's next line: the stop sequence ends it there.
      { kind: "stream", pieces: ["About 2.1 million", " people.", "\nUser: and Lyon", "?"] },
    );
    assert.equal(await ask("Capital of France?"), "Paris is the capital.");
    assert.equal(await ask("How many live there?"), "About 2.1 million people.");

    const [first, second] = double.requests;
    assert.equal(first?.path, "/openai/deployments/instruct/completions");
    assert.equal(first?.operation, "completions");
    const body = second?.body as CompletionsBody;
    assert.equal(
      body.prompt,
      "You are a test bot.\n\nUser: Capital of France?\nAssistant: Paris is the capital.\nUser: How many live there?\nAssistant:",
    );
    assert.deepEqual(body.stop, [NEXT_USER_STOP]);
    assert.equal(body.stream, true);
    assert.ok(body.max_tokens > 16, "never the route's default of 16 tokens");
    assert.deepEqual(double.specViolations, []);

    // No usage chunk on this route: the tokens are counted, and land in the ledger by model.
    const month = new Date().toISOString().slice(0, 7);
    const usage = await core.store.usageReport("console:T", month);
    assert.equal(usage.models.instruct?.turns, 2);
    assert.ok((usage.models.instruct?.completionTokens ?? 0) > 0);
  });

  it("takes the conversation's settings: temperature and the user's own stop sequences", async () => {
    await ask("settings set temperature 0.3");
    await ask("settings set stop END|###");
    double.script({ kind: "stream", pieces: ["One, two", " END three"] });
    assert.equal(await ask("Count"), "One, two ");
    const body = double.requests.at(-1)?.body as CompletionsBody;
    assert.equal(body.temperature, 0.3);
    assert.deepEqual(body.stop, [NEXT_USER_STOP, "END", "###"]);
    assert.deepEqual(double.specViolations, []);
  });

  it("says so when the content filter stops the completion", async () => {
    double.script({ kind: "completion-filtered", pieces: ["Here is how"], category: "violence" });
    assert.match(await ask("something nasty"), /The answer was stopped by the content filter \(violence\)/);
    assert.deepEqual(double.specViolations, []);
  });

  it("answers a rate limit like chat: retried, then answered", async () => {
    double.script({ kind: "rate-limited", retryAfterMs: 50 }, { kind: "stream", pieces: ["Done."] });
    assert.equal(await ask("again?"), "Done.");
    assert.equal(double.requests.length, 2);
  });
});

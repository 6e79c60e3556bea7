// Reasoning models: `reasoning_effort` as a setting, checked against the model the conversation
// uses, sent only to a model that takes it; the reasoning tokens the model reports are kept in the
// usage ledger and shown by `usage`.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Core, createCore } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import { createMetrics } from "../../src/metrics.js";
import { systemClock } from "../../src/reply/clock.js";
import { type AzureOpenAIDouble, DEFAULT_API_KEY, startAzureOpenAIDouble } from "../doubles/azure-openai.js";
import { consoleMessage } from "../helpers/console-message.js";
import { RecordingSink } from "../helpers/recording-sink.js";

const REDIS_URL = `${process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"}/3`;

describe("reasoning models", { timeout: 30_000 }, () => {
  let double: AzureOpenAIDouble;
  let core: Core;
  const ask = async (text: string) => {
    const s = new RecordingSink(systemClock, { limits: { minIntervalMs: 5 }, begin: true });
    await core.engine.handle(consoleMessage(text, "reasoning"), s);
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
      LLM_ALLOWED_MODELS: "gpt-4o,o3,gpt-5-mini",
      REDIS_URL,
      REDIS_KEY_PREFIX: `test:reasoning:${randomUUID()}:`,
    });
    core = await createCore(config, silentLogger, { metrics: createMetrics() });
  });

  it("checks reasoning_effort against the conversation's model", async () => {
    assert.match(
      await ask("settings set reasoning_effort high"),
      /applies to reasoning models only, and gpt-4o is not one; reasoning models here: o3, gpt-5-mini\. Nothing was changed/,
    );
    await ask("settings set model o3");
    assert.match(
      await ask("settings set reasoning_effort minimal"),
      /must be one of: low, medium, high for o3/,
    );
    assert.match(await ask("settings set reasoning_effort high"), /`reasoning_effort` is now `high`/);
    assert.match(await ask("settings"), /`reasoning_effort`: high\n/);
  });

  it("sends it to the model, and keeps the reasoning tokens in usage", async () => {
    await ask("settings set model gpt-5-mini");
    await ask("settings set reasoning_effort minimal");
    double.script({
      kind: "stream",
      pieces: ["42."],
      usage: { promptTokens: 20, completionTokens: 300, reasoningTokens: 280 },
    });
    assert.equal(await ask("The answer?"), "42.");
    const body = double.requests.at(-1)?.body as { reasoning_effort?: string; temperature?: number };
    assert.equal(body.reasoning_effort, "minimal");
    assert.deepEqual(double.specViolations, []);
    const month = new Date().toISOString().slice(0, 7);
    const usage = await core.store.usageReport("console:T", month);
    assert.equal(usage.models["gpt-5-mini"]?.reasoningTokens, 280);
    assert.match(await ask("usage"), /320 tokens in 1 turn, 280 of them reasoning/);

    // Back on a model without reasoning: the stored effort is not sent.
    await ask("settings set model gpt-4o");
    double.script({ kind: "stream", pieces: ["Sure."] });
    await ask("And now?");
    const last = double.requests.at(-1)?.body as { reasoning_effort?: string } | undefined;
    assert.ok(last);
    assert.equal(last.reasoning_effort, undefined);
  });
});

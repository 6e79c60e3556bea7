// Reasoning models: `reasoning_effort` as a setting, checked against the model the conversation
// uses, sent only to a model that takes it; the reasoning tokens the model reports are kept in the
// usage ledger and shown by `usage`.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useEngineCore } from "../helpers/engine-core.js";

describe("reasoning models", { timeout: 30_000 }, () => {
  const h = useEngineCore("reasoning", { LLM_ALLOWED_MODELS: "gpt-4o,o3,gpt-5-mini" });
  const { ask } = h;

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
    h.double.script({
      kind: "stream",
      pieces: ["42."],
      usage: { promptTokens: 20, completionTokens: 300, reasoningTokens: 280 },
    });
    assert.equal(await ask("The answer?"), "42.");
    const body = h.double.requests.at(-1)?.body as { reasoning_effort?: string; temperature?: number };
    assert.equal(body.reasoning_effort, "minimal");
    assert.deepEqual(h.double.specViolations, []);
    const month = new Date().toISOString().slice(0, 7);
    const usage = await h.core.store.usageReport("console:T", month);
    assert.equal(usage.models["gpt-5-mini"]?.reasoningTokens, 280);
    assert.match(await ask("usage"), /320 tokens in 1 turn, 280 of them reasoning/);

    // Back on a model without reasoning: the stored effort is not sent.
    await ask("settings set model gpt-4o");
    h.double.script({ kind: "stream", pieces: ["Sure."] });
    await ask("And now?");
    const last = h.double.requests.at(-1)?.body as { reasoning_effort?: string } | undefined;
    assert.ok(last);
    assert.equal(last.reasoning_effort, undefined);
  });
});

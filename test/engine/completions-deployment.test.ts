// A legacy Completions deployment (an instruct model marked `:completions` in LLM_ALLOWED_MODELS)
// end to end: the real openai client against the Azure OpenAI double's /completions route, checked
// against the 2024-10-21 spec. The conversation goes as a transcript with role labels, `stop` ends
// the answer at the next user label, a content filter on the completion says so, and usage counts.
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { NEXT_USER_STOP } from "../../src/llm/completions-request.js";
import { useEngineCore } from "../helpers/engine-core.js";

interface CompletionsBody {
  prompt: string;
  stop: string[];
  max_tokens: number;
  temperature?: number;
  stream: boolean;
}

describe("a Completions deployment", { timeout: 30_000 }, () => {
  const h = useEngineCore("instruct", {
    LLM_ALLOWED_MODELS: "gpt-4o,instruct=gpt-35-turbo-instruct:completions",
    SYSTEM_PROMPT: "You are a test bot.",
  });
  const { ask } = h;
  beforeEach(async () => {
    assert.match(await ask("settings set model instruct"), /`model` is now `instruct`/);
  });

  it("sends the conversation as a transcript, streams the answer, and stops at the next user label", async () => {
    h.double.script(
      { kind: "stream", pieces: ["Paris", " is the capital."] },
      // The model would go on writing the user's next line: the stop sequence ends it there.
      { kind: "stream", pieces: ["About 2.1 million", " people.", "\nUser: and Lyon", "?"] },
    );
    assert.equal(await ask("Capital of France?"), "Paris is the capital.");
    assert.equal(await ask("How many live there?"), "About 2.1 million people.");

    const [first, second] = h.double.requests;
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
    assert.deepEqual(h.double.specViolations, []);

    // No usage chunk on this route: the tokens are counted, and land in the ledger by model.
    const month = new Date().toISOString().slice(0, 7);
    const usage = await h.core.store.usageReport("console:T", month);
    assert.equal(usage.models.instruct?.turns, 2);
    assert.ok((usage.models.instruct?.completionTokens ?? 0) > 0);
  });

  it("takes the conversation's settings: temperature and the user's own stop sequences", async () => {
    await ask("settings set temperature 0.3");
    await ask("settings set stop END|###");
    h.double.script({ kind: "stream", pieces: ["One, two", " END three"] });
    assert.equal(await ask("Count"), "One, two ");
    const body = h.double.requests.at(-1)?.body as CompletionsBody;
    assert.equal(body.temperature, 0.3);
    assert.deepEqual(body.stop, [NEXT_USER_STOP, "END", "###"]);
    assert.deepEqual(h.double.specViolations, []);
  });

  it("says so when the content filter stops the completion", async () => {
    h.double.script({ kind: "completion-filtered", pieces: ["Here is how"], category: "violence" });
    assert.match(await ask("something nasty"), /The answer was stopped by the content filter \(violence\)/);
    assert.deepEqual(h.double.specViolations, []);
  });

  it("answers a rate limit like chat: retried, then answered", async () => {
    h.double.script({ kind: "rate-limited", retryAfterMs: 50 }, { kind: "stream", pieces: ["Done."] });
    assert.equal(await ask("again?"), "Done.");
    assert.equal(h.double.requests.length, 2);
  });
});

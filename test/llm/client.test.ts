// createLlmClient against the HTTP double, over real HTTP, for every endpoint kind and every error.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { type AccessToken, CredentialUnavailableError, type TokenCredential } from "@azure/identity";
import { BotError, isBotError } from "../../src/errors.js";
import { createLlmClient, PLACEHOLDER_API_KEY } from "../../src/llm/client.js";
import { profileFor } from "../../src/llm/models.js";
import type {
  CompletionEvent,
  CompletionRequest,
  EndpointKind,
  LlmClient,
  LlmEndpointConfig,
} from "../../src/llm/types.js";
import {
  type AzureOpenAIDouble,
  DEFAULT_API_KEY,
  DEFAULT_PIECES,
  startAzureOpenAIDouble,
} from "../doubles/azure-openai.js";

const TOKEN_SCOPE = "https://cognitiveservices.azure.com/.default";
const ENTRA_TOKEN = "fake-entra-token-for-tests";

let double: AzureOpenAIDouble;

before(async () => {
  double = await startAzureOpenAIDouble({ bearerToken: ENTRA_TOKEN });
});
afterEach(() => {
  const violations = [...double.specViolations];
  double.reset(); // before asserting, so one violation fails one test, not every later one
  assert.deepEqual(violations, [], "the double saw or sent a body that violates the spec");
});
after(() => double.close());

function endpointFor(kind: EndpointKind): string {
  if (kind === "azure-inference") return `${double.url}/models`;
  if (kind === "openai-compatible") return `${double.url}/v1`;
  return `${double.url}/`;
}

function config(kind: EndpointKind, overrides: Partial<LlmEndpointConfig> = {}): LlmEndpointConfig {
  return {
    kind,
    endpoint: endpointFor(kind),
    apiKey: DEFAULT_API_KEY,
    apiVersion: kind === "azure-inference" ? "2025-04-01" : kind === "azure-v1" ? "v1" : "2024-10-21",
    tokenScope: TOKEN_SCOPE,
    timeoutMs: 5_000,
    maxRateLimitRetries: 2,
    maxRetryWaitMs: 1_000,
    ...overrides,
  };
}

function ask(model = "gpt-4o", extra: Partial<CompletionRequest> = {}): CompletionRequest {
  return {
    model,
    profile: profileFor(model),
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Say hello." },
    ],
    options: { temperature: 0.3, maxTokens: 50 },
    ...extra,
  };
}

async function collect(
  client: LlmClient,
  request: CompletionRequest,
): Promise<{ events: CompletionEvent[]; error?: BotError }> {
  const events: CompletionEvent[] = [];
  try {
    for await (const event of client.stream(request)) events.push(event);
    return { events };
  } catch (error) {
    assert.ok(error instanceof BotError, `expected a BotError, got ${String(error)}`);
    return { events, error };
  }
}

function text(events: CompletionEvent[]): string {
  return events.map((e) => (e.type === "text" ? e.text : "")).join("");
}

class FakeCredential implements TokenCredential {
  scopes: Array<string | string[]> = [];
  constructor(readonly fail = false) {}
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(scopes);
    if (this.fail) throw new CredentialUnavailableError("ManagedIdentityCredential: no endpoint");
    return { token: ENTRA_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

const ALL_KINDS: EndpointKind[] = ["azure-deployment", "azure-v1", "azure-inference", "openai-compatible"];
const EXPECTED_PATH: Record<EndpointKind, string> = {
  "azure-deployment": "/openai/deployments/gpt-4o/chat/completions",
  "azure-v1": "/openai/v1/chat/completions",
  "azure-inference": "/models/chat/completions",
  "openai-compatible": "/v1/chat/completions",
};

describe("every endpoint kind streams an answer", () => {
  for (const kind of ALL_KINDS) {
    test(kind, async () => {
      const client = createLlmClient(config(kind));
      assert.equal(client.kind, kind);
      const { events, error } = await collect(client, ask());
      assert.equal(error, undefined);
      assert.equal(text(events), DEFAULT_PIECES.join(""));
      const done = events.at(-1);
      assert.equal(done?.type, "done");
      assert.ok(
        done?.type === "done" &&
          done.finishReason === "stop" &&
          done.usage &&
          done.usage.completionTokens === DEFAULT_PIECES.length,
      );

      assert.equal(double.requests.length, 1);
      const [seen] = double.requests;
      assert.equal(seen?.path, EXPECTED_PATH[kind]);
      assert.equal(seen?.model, "gpt-4o");
      assert.deepEqual((seen?.body as { stream_options?: unknown } | undefined)?.stream_options, {
        include_usage: true,
      });
      const expectedQuery: Record<string, string> =
        kind === "azure-deployment"
          ? { "api-version": "2024-10-21" }
          : kind === "azure-inference"
            ? { "api-version": "2025-04-01" }
            : {};
      assert.deepEqual(seen?.query, expectedQuery);
      if (kind === "openai-compatible") {
        assert.equal(seen?.headers.authorization, `Bearer ${DEFAULT_API_KEY}`);
      } else {
        // Azure: the key travels in api-key, never as a bearer.
        assert.equal(seen?.headers["api-key"], DEFAULT_API_KEY);
        assert.equal(seen?.headers.authorization, undefined);
      }
      assert.equal(
        seen?.headers["extra-parameters"],
        kind === "azure-inference" ? "pass-through" : undefined,
      );
    });
  }
});

describe("requests", () => {
  test("the deployment path follows each request's model, not a fixed deployment", async () => {
    const client = createLlmClient(config("azure-deployment"));
    await collect(client, ask("gpt-4o"));
    await collect(client, ask("o3-mini"));
    assert.deepEqual(
      double.requests.map((r) => r.path),
      ["/openai/deployments/gpt-4o/chat/completions", "/openai/deployments/o3-mini/chat/completions"],
    );
  });

  test("a reasoning model gets max_completion_tokens and no temperature", async () => {
    const client = createLlmClient(config("azure-deployment"));
    const { error } = await collect(client, ask("o3-mini"));
    assert.equal(error, undefined);
    const body = double.requests[0]?.body as Record<string, unknown>;
    assert.equal(body.max_completion_tokens, 50);
    assert.equal("max_tokens" in body, false);
    assert.equal("temperature" in body, false);
  });

  test("an older dated api-version gets no stream_options, and the answer has no usage", async () => {
    const client = createLlmClient(config("azure-deployment", { apiVersion: "2024-06-01" }));
    const { events, error } = await collect(client, ask());
    assert.equal(error, undefined);
    assert.deepEqual(events.at(-1), { type: "done", finishReason: "stop" });
    assert.equal("stream_options" in ((double.requests[0]?.body ?? {}) as object), false);
    assert.equal(double.requests[0]?.query["api-version"], "2024-06-01");
  });

  test("finish_reason length is reported", async () => {
    double.script({
      kind: "stream",
      pieces: ["Long"],
      finishReason: "length",
      usage: { promptTokens: 9, completionTokens: 50 },
    });
    const { events } = await collect(createLlmClient(config("azure-deployment")), ask());
    assert.deepEqual(events.at(-1), {
      type: "done",
      finishReason: "length",
      usage: { promptTokens: 9, completionTokens: 50 },
    });
  });

  test("OpenAI-compatible without a key sends a placeholder bearer", async () => {
    const { apiKey: _unused, ...keyless } = config("openai-compatible");
    const { error } = await collect(createLlmClient(keyless), ask("llama3"));
    assert.equal(error, undefined);
    assert.equal(double.requests[0]?.headers.authorization, `Bearer ${PLACEHOLDER_API_KEY}`);
  });
});

describe("Microsoft Entra ID", () => {
  for (const kind of ["azure-deployment", "azure-v1", "azure-inference"] as const) {
    test(`${kind}: bearer token from the injected credential, for the configured scope`, async () => {
      const { apiKey: _unused, ...entra } = config(kind);
      const credential = new FakeCredential();
      const { error } = await collect(createLlmClient(entra, { credential }), ask());
      assert.equal(error, undefined);
      assert.equal(double.requests[0]?.headers.authorization, `Bearer ${ENTRA_TOKEN}`);
      assert.equal(double.requests[0]?.headers["api-key"], undefined);
      assert.deepEqual(credential.scopes.flat(), [TOKEN_SCOPE]);
    });
  }

  test("no token to be had → llm_auth with the role hint, nothing sent", async () => {
    const { apiKey: _unused, ...entra } = config("azure-deployment");
    const { error } = await collect(createLlmClient(entra, { credential: new FakeCredential(true) }), ask());
    assert.ok(isBotError(error, "llm_auth"));
    assert.match(error.details.hint ?? "", /Cognitive Services OpenAI User/);
    assert.equal(double.requests.length, 0);
  });
});

describe("rate limits", () => {
  test("429 with retry-after-ms is retried, then succeeds", async () => {
    double.script({ kind: "rate-limited", retryAfterMs: 20 }, { kind: "rate-limited", retryAfterSeconds: 0 });
    const { events, error } = await collect(createLlmClient(config("azure-deployment")), ask());
    assert.equal(error, undefined);
    assert.equal(text(events), DEFAULT_PIECES.join(""));
    assert.equal(double.requests.length, 3);
  });

  test("429 retries exhausted → llm_rate_limited with retryAfterSeconds", async () => {
    double.script(
      ...Array.from(
        { length: 3 },
        () => ({ kind: "rate-limited", retryAfterMs: 10, retryAfterSeconds: 1 }) as const,
      ),
    );
    const { error } = await collect(createLlmClient(config("azure-v1")), ask());
    assert.ok(isBotError(error, "llm_rate_limited"));
    assert.equal(error.details.retryAfterSeconds, 1);
    assert.equal(double.requests.length, 3); // the first try and maxRateLimitRetries (2) more
  });

  test("429 asking longer than maxRetryWaitMs goes straight to the caller", async () => {
    double.script({ kind: "rate-limited", retryAfterSeconds: 30 });
    const started = performance.now();
    const { error } = await collect(createLlmClient(config("azure-inference")), ask());
    assert.ok(isBotError(error, "llm_rate_limited"));
    assert.equal(error.details.retryAfterSeconds, 30);
    assert.equal(double.requests.length, 1);
    assert.ok(performance.now() - started < 1_000);
  });
});

describe("errors", () => {
  test("401 → llm_auth, not retried, no key in the message", async () => {
    const client = createLlmClient(config("azure-deployment", { apiKey: "wrong-key-0123456789abcdef" }));
    const { error } = await collect(client, ask());
    assert.ok(isBotError(error, "llm_auth"));
    assert.equal(error.details.status, 401);
    assert.ok(!error.message.includes("wrong-key-0123456789abcdef"));
    assert.equal(double.requests.length, 1);
  });

  test("404 DeploymentNotFound → llm_not_found naming the deployment", async () => {
    const strict = await startAzureOpenAIDouble({ deployments: ["gpt-4o"] });
    try {
      const client = createLlmClient({ ...config("azure-deployment"), endpoint: strict.url });
      const { error } = await collect(client, ask("gpt-4o-typo"));
      assert.ok(isBotError(error, "llm_not_found"));
      assert.equal(error.details.name, "gpt-4o-typo");
      assert.equal(strict.requests[0]?.path, "/openai/deployments/gpt-4o-typo/chat/completions");
      assert.deepEqual(strict.specViolations, []);
    } finally {
      await strict.close();
    }
  });

  test("model inference endpoint, unknown model → llm_not_found naming the model", async () => {
    double.script({ kind: "not-found" });
    const { error } = await collect(createLlmClient(config("azure-inference")), ask("mistral-large-typo"));
    assert.ok(isBotError(error, "llm_not_found"));
    assert.equal(error.details.name, "mistral-large-typo");
    assert.match(error.message, /Unknown model: mistral-large-typo/);
  });

  test("400 context_length_exceeded → llm_context_length", async () => {
    double.script({ kind: "context-length-exceeded" });
    const { error } = await collect(createLlmClient(config("azure-deployment")), ask());
    assert.ok(isBotError(error, "llm_context_length"));
  });

  test("400 content_filter on the prompt → llm_content_filter, prompt, category", async () => {
    double.script({ kind: "prompt-filtered", category: "jailbreak" });
    const { events, error } = await collect(createLlmClient(config("azure-deployment")), ask());
    assert.deepEqual(events, []);
    assert.ok(isBotError(error, "llm_content_filter"));
    assert.deepEqual(error.details, { status: 400, filteredPart: "prompt", category: "jailbreak" });
  });

  test("stream ending with finish_reason content_filter → text, then llm_content_filter on the completion", async () => {
    double.script({ kind: "completion-filtered", pieces: ["Once", " upon"], category: "violence" });
    const { events, error } = await collect(createLlmClient(config("azure-deployment")), ask());
    assert.equal(text(events), "Once upon");
    assert.ok(isBotError(error, "llm_content_filter"));
    assert.deepEqual(error.details, { filteredPart: "completion", category: "violence" });
  });

  test("a 5xx before any text is retried once", async () => {
    double.script({ kind: "server-error", status: 503 });
    const { events, error } = await collect(createLlmClient(config("azure-deployment")), ask());
    assert.equal(error, undefined);
    assert.equal(text(events), DEFAULT_PIECES.join(""));
    assert.equal(double.requests.length, 2);
  });

  test("a 5xx twice → llm_unavailable", async () => {
    double.script({ kind: "server-error" }, { kind: "server-error" });
    const { error } = await collect(createLlmClient(config("azure-deployment")), ask());
    assert.ok(isBotError(error, "llm_unavailable"));
    assert.equal(double.requests.length, 2);
  });

  test("connection refused → llm_unavailable", async () => {
    const client = createLlmClient({ ...config("openai-compatible"), endpoint: "http://127.0.0.1:9/v1" });
    const { error } = await collect(client, ask());
    assert.ok(isBotError(error, "llm_unavailable"));
  });
});

describe("cut streams and timeouts", () => {
  test("a stream cut after text → text, then llm_stream_cut, not retried", async () => {
    double.script({ kind: "cut", pieces: ["Half", " an"] });
    const { events, error } = await collect(createLlmClient(config("azure-deployment")), ask());
    assert.equal(text(events), "Half an");
    assert.ok(isBotError(error, "llm_stream_cut"));
    assert.equal(double.requests.length, 1);
  });

  test("a stream cut before any text is retried once", async () => {
    double.script({ kind: "cut", pieces: [] });
    const { events, error } = await collect(createLlmClient(config("azure-v1")), ask());
    assert.equal(error, undefined);
    assert.equal(text(events), DEFAULT_PIECES.join(""));
    assert.equal(double.requests.length, 2);
  });

  test("no answer at all → llm_timeout after timeoutMs", async () => {
    double.script({ kind: "hang" });
    const started = performance.now();
    const { error } = await collect(createLlmClient(config("azure-deployment", { timeoutMs: 300 })), ask());
    const elapsed = performance.now() - started;
    assert.ok(isBotError(error, "llm_timeout"));
    assert.ok(elapsed >= 250 && elapsed < 2_000, `took ${elapsed} ms`);
    assert.equal(double.requests.length, 1);
  });

  test("a stream that stalls mid-way → text, then llm_timeout", async () => {
    double.script({ kind: "hang", pieces: ["Thinking"] });
    const { events, error } = await collect(
      createLlmClient(config("azure-inference", { timeoutMs: 300 })),
      ask(),
    );
    assert.equal(text(events), "Thinking");
    assert.ok(isBotError(error, "llm_timeout"));
  });

  test("slow but steady chunks finish within the deadline", async () => {
    double.script({ kind: "stream", pieces: ["a", "b", "c"], delayMs: 30 });
    const { events, error } = await collect(
      createLlmClient(config("azure-deployment", { timeoutMs: 1_000 })),
      ask(),
    );
    assert.equal(error, undefined);
    assert.equal(text(events), "abc");
  });

  test("the caller's signal aborts the stream (llm_timeout, or the caller's BotError reason)", async () => {
    double.script({ kind: "hang", pieces: ["x"] }, { kind: "hang" });
    const client = createLlmClient(config("azure-deployment"));

    const plain = new AbortController();
    setTimeout(() => plain.abort(), 100);
    const first = await collect(client, ask("gpt-4o", { signal: plain.signal }));
    assert.equal(text(first.events), "x");
    assert.ok(isBotError(first.error, "llm_timeout"));

    const withReason = new AbortController();
    setTimeout(() => withReason.abort(new BotError("shutting_down", "server stopping")), 100);
    const second = await collect(client, ask("gpt-4o", { signal: withReason.signal }));
    assert.ok(isBotError(second.error, "shutting_down"));
  });

  test("a consumer that stops early (break) ends the request", async () => {
    double.script({ kind: "stream", pieces: ["one", "two", "three"], delayMs: 20 });
    const client = createLlmClient(config("azure-deployment"));
    for await (const event of client.stream(ask())) {
      assert.equal(event.type, "text");
      break;
    }
    assert.equal(double.requests.length, 1);
  });
});

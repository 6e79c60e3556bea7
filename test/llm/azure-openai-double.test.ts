// The double itself: it must refuse to drift from the specs, and speak each route's wire format.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type AzureOpenAIDouble,
  DEFAULT_API_KEY,
  DEFAULT_PIECES,
  startAzureOpenAIDouble,
} from "../doubles/azure-openai.js";
import { specValidator } from "../doubles/spec-validator.js";
import { skipWithoutSpecs } from "../doubles/specs-dir.js";

let double: AzureOpenAIDouble;
before(async () => {
  double = await startAzureOpenAIDouble();
});
after(() => double.close());

const userMessage = [{ role: "user", content: "hi" }];

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = { "api-key": DEFAULT_API_KEY },
) {
  const res = await fetch(`${double.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function sseData(text: string): unknown[] {
  return text
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: ") && frame !== "data: [DONE]")
    .map((frame) => JSON.parse(frame.slice("data: ".length)));
}

describe("spec validation", () => {
  test("a request body that violates the spec is recorded and answered 500", {
    skip: skipWithoutSpecs(),
  }, async () => {
    double.reset();
    const res = await post("/openai/deployments/d/chat/completions?api-version=2024-10-21", {
      messages: userMessage,
      temperature: 3,
    });
    assert.equal(res.status, 500);
    assert.equal(double.specViolations.length, 1);
    assert.equal(double.specViolations[0]?.direction, "request");
    assert.match(double.specViolations[0]?.errors.join("\n") ?? "", /temperature must be <= 2/);
    double.reset();
  });

  test("known service deviations are narrow: a choice with neither delta nor content_filter_results still fails", {
    skip: skipWithoutSpecs(),
  }, () => {
    const validate = (chunk: unknown) =>
      specValidator().validate("azure-openai-2024-10-21", "createChatCompletionStreamResponse", chunk);
    const annotation = {
      choices: [{ content_filter_results: {}, finish_reason: null, index: 0 }],
      created: 0,
      id: "",
      model: "",
      object: "",
    };
    assert.deepEqual(validate(annotation), []);
    assert.notDeepEqual(validate({ ...annotation, choices: [{ finish_reason: null, index: 0 }] }), []);
    // object "" is only tolerated on the blank-id annotation chunks
    assert.notDeepEqual(validate({ ...annotation, id: "chatcmpl-1" }), []);
    // filter results inside chunks are checked against the spec's filter schemas
    const badFilter = {
      ...annotation,
      choices: [{ content_filter_results: { hate: { filtered: "no" } }, finish_reason: null, index: 0 }],
    };
    assert.notDeepEqual(validate(badFilter), []);
  });
});

describe("routes and auth", () => {
  test("wrong key → 401 with Azure's body; a bearer key is accepted", async () => {
    const wrong = await post(
      "/openai/deployments/d/chat/completions?api-version=2024-10-21",
      { messages: userMessage },
      { "api-key": "nope" },
    );
    assert.equal(wrong.status, 401);
    assert.equal((JSON.parse(wrong.text) as { error: { code: string } }).error.code, "401");
    const bearer = await post(
      "/openai/v1/chat/completions",
      { model: "d", messages: userMessage },
      { authorization: `Bearer ${DEFAULT_API_KEY}` },
    );
    assert.equal(bearer.status, 200);
  });

  test("the deployment route needs api-version", async () => {
    assert.equal(
      (await post("/openai/deployments/d/chat/completions", { messages: userMessage })).status,
      404,
    );
  });

  test("the inference route needs a model", async () => {
    const res = await post("/models/chat/completions?api-version=2025-04-01", { messages: userMessage });
    assert.equal(res.status, 400);
    assert.equal((JSON.parse(res.text) as { error: { code: string } }).error.code, "no_model_name");
  });

  test("unknown paths → 404", async () => {
    assert.equal(
      (await post("/openai/deployments/d/images/generations?api-version=2024-10-21", { prompt: "x" })).status,
      404,
    );
  });
  test("non-streaming answers, each in its route's dialect", async () => {
    double.reset();
    const cases: Array<[string, unknown]> = [
      ["/openai/deployments/d/chat/completions?api-version=2024-10-21", { messages: userMessage }],
      ["/openai/v1/chat/completions", { model: "d", messages: userMessage }],
      ["/models/chat/completions?api-version=2025-04-01", { model: "d", messages: userMessage }],
      ["/v1/chat/completions", { model: "d", messages: userMessage }],
    ];
    for (const [path, body] of cases) {
      const res = await post(path, body);
      assert.equal(res.status, 200, path);
      const answer = JSON.parse(res.text) as { choices: Array<{ message: { content: string } }> };
      assert.equal(answer.choices[0]?.message.content, DEFAULT_PIECES.join(""));
    }
    assert.deepEqual(double.specViolations, []);
  });

  test("Azure stream: prompt-filter chunk first, annotation chunks, usage chunk, [DONE]", async () => {
    double.reset();
    const res = await post("/openai/deployments/d/chat/completions?api-version=2024-10-21", {
      messages: userMessage,
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.ok(res.text.endsWith("data: [DONE]\n\n"));
    const chunks = sseData(res.text) as Array<{
      choices: Array<Record<string, unknown>>;
      prompt_filter_results?: unknown;
      usage?: unknown;
    }>;
    assert.ok(chunks[0]?.prompt_filter_results);
    assert.deepEqual(chunks[0]?.choices, []);
    assert.ok(chunks.some((c) => c.choices.length === 1 && !("delta" in (c.choices[0] ?? {}))));
    assert.ok(chunks.at(-1)?.usage);
    assert.deepEqual(chunks.at(-1)?.choices, []);
    assert.deepEqual(double.specViolations, []);
  });
});

describe("scripting", () => {
  test("a function picks the answer from the request", async () => {
    double.reset();
    double.script((request) =>
      request.model === "busy"
        ? { kind: "rate-limited", retryAfterMs: 5 }
        : { kind: "stream", pieces: ["ok"] },
    );
    const res = await post("/openai/v1/chat/completions", { model: "busy", messages: userMessage });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after-ms"), "5");
    assert.equal(double.requests[0]?.model, "busy");
  });

  test("the fallback can be replaced", async () => {
    double.setFallback({ kind: "stream", pieces: ["fallback"] });
    const res = await post("/v1/chat/completions", { model: "m", messages: userMessage });
    assert.match(res.text, /fallback/);
    double.setFallback({ kind: "stream", pieces: DEFAULT_PIECES });
  });

  test("benchmark mode: no validation, no recording, zero latency", async () => {
    const bench = await startAzureOpenAIDouble({ validate: false, record: false, chunkDelayMs: 0 });
    try {
      const res = await fetch(`${bench.url}/openai/v1/chat/completions`, {
        method: "POST",
        headers: { "api-key": DEFAULT_API_KEY, "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages: userMessage, stream: true }),
      });
      assert.match(await res.text(), /\[DONE\]/);
      assert.equal(bench.requests.length, 0);
    } finally {
      await bench.close();
    }
  });
});

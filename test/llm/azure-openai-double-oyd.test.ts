// The double's On Your Data behaviour: the service's refusals, answer shapes and error bodies, each
// checked against the spec (with the known On Your Data deviations) so the double cannot drift.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, afterEach, before, describe, test } from "node:test";
import {
  type AzureOpenAIDouble,
  DEFAULT_API_KEY,
  dataSourceSpecErrors,
  NOT_IN_DATA_ANSWER,
  startAzureOpenAIDouble,
} from "../doubles/azure-openai.js";
import { specValidator } from "../doubles/spec-validator.js";
import { skipWithoutSpecs, specFile } from "../doubles/specs-dir.js";

let double: AzureOpenAIDouble;
before(async () => {
  double = await startAzureOpenAIDouble();
});
afterEach(() => double.reset());
after(() => double.close());

const DEPLOYMENT = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21";
const source = (parameters: Record<string, unknown> = {}) => ({
  type: "azure_search",
  parameters: {
    endpoint: "https://my-search.search.windows.net",
    index_name: "hr-docs",
    authentication: { type: "system_assigned_managed_identity" },
    ...parameters,
  },
});
const messages = [{ role: "user", content: "leave days?" }];

async function post(path: string, body: unknown) {
  const res = await fetch(`${double.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "api-key": DEFAULT_API_KEY },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

function sse(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: ") && frame !== "data: [DONE]")
    .map((frame) => JSON.parse(frame.slice("data: ".length)) as Record<string, unknown>);
}

describe("the service's refusals", () => {
  test("stream_options next to data_sources: 400 with the service's body (numeric code, requestid)", async () => {
    const res = await post(DEPLOYMENT, {
      messages,
      stream: true,
      stream_options: { include_usage: true },
      data_sources: [source()],
    });
    assert.equal(res.status, 400);
    const error = res.json().error as Record<string, unknown>;
    assert.equal(error.code, 400);
    assert.equal(typeof error.requestid, "string");
    assert.equal(error.message, "Validation error at #/stream_options: Extra inputs are not permitted");
    assert.deepEqual(double.specViolations, []);
  });

  test("a field the spec does not define, nested ones with the union's tag", {
    skip: skipWithoutSpecs(),
  }, async () => {
    const res = await post(DEPLOYMENT, {
      messages,
      data_sources: [source({ indexName: "x", authentication: { type: "api_key", key: "k", extra: 1 } })],
    });
    assert.equal(res.status, 400);
    assert.equal(
      (res.json().error as { message: string }).message,
      [
        "Validation error at #/data_sources/0/azure_search/parameters/authentication/api_key/extra: Extra inputs are not permitted",
        "Validation error at #/data_sources/0/azure_search/parameters/indexName: Extra inputs are not permitted",
      ].join("\n"),
    );
  });

  test("more than one data source", async () => {
    const res = await post(DEPLOYMENT, { messages, data_sources: [source(), source()] });
    assert.equal(res.status, 400);
    assert.match((res.json().error as { message: string }).message, /^Validation error at #\/data_sources: /);
  });

  test("a data source that violates the spec is a spec violation (500), not a service answer", {
    skip: skipWithoutSpecs(),
  }, async () => {
    const res = await post(DEPLOYMENT, {
      messages,
      data_sources: [source({ authentication: { type: "user_assigned_managed_identity" } })],
    });
    assert.equal(res.status, 500);
    assert.equal(double.specViolations.length, 1);
    assert.match(double.specViolations[0]?.errors.join("\n") ?? "", /managed_identity_resource_id/);
  });

  test("the model inference endpoint does not know data_sources", async () => {
    const res = await post("/models/chat/completions?api-version=2025-04-01", {
      model: "gpt-4o",
      messages,
      data_sources: [source()],
    });
    assert.equal(res.status, 400);
    assert.match(res.text, /Unrecognized request argument supplied: data_sources/);
  });

  test("an On Your Data scenario without data_sources is a script error", async () => {
    double.script({ kind: "not-in-data" });
    const res = await post(DEPLOYMENT, { messages });
    assert.equal(res.status, 500);
    assert.match(res.text, /double_script_error/);
  });
});

describe("answers", () => {
  test("streamed: context in the first delta, extensions object, end_turn, no usage chunk", async () => {
    double.script({
      kind: "stream",
      pieces: ["A [doc1]", "."],
      citations: [{ content: "c", title: null }],
      intent: '["q"]',
    });
    const res = await post(DEPLOYMENT, { messages, stream: true, data_sources: [source()] });
    assert.equal(res.status, 200);
    const chunks = sse(res.text);
    assert.equal(chunks.length, 4);
    for (const chunk of chunks) {
      assert.equal(chunk.object, "extensions.chat.completion.chunk");
      assert.match(String(chunk.id), /^[0-9a-f-]{36}$/);
    }
    const choice = (i: number) => ((chunks[i]?.choices ?? []) as Array<Record<string, unknown>>)[0] ?? {};
    assert.deepEqual(choice(0).delta, {
      role: "assistant",
      context: { citations: [{ content: "c", title: null }], intent: '["q"]' },
    });
    assert.deepEqual(choice(1).delta, { content: "A [doc1]" });
    assert.deepEqual([choice(3).finish_reason, choice(3).end_turn], ["stop", true]);
    assert.ok(res.text.endsWith("data: [DONE]\n\n"));
    assert.deepEqual(double.specViolations, []);
  });

  test("not streamed: message.context; the spec's advanced example request is accepted", {
    skip: skipWithoutSpecs(),
  }, async () => {
    const example = JSON.parse(
      readFileSync(
        specFile("azure-openai", "2024-10-21", "examples", "chat_completions_azure_search_advanced.json"),
        "utf8",
      ),
    ) as { parameters: { body: Record<string, unknown> } };
    double.script({ kind: "not-in-data", intent: '["dog"]' });
    const res = await post(DEPLOYMENT, example.parameters.body);
    assert.equal(res.status, 200, res.text);
    const body = res.json();
    assert.equal(body.object, "extensions.chat.completion");
    const [choice] = body.choices as Array<{ message: Record<string, unknown> }>;
    assert.deepEqual(choice?.message, {
      role: "assistant",
      content: NOT_IN_DATA_ANSWER,
      end_turn: true,
      context: { citations: [], intent: '["dog"]' },
    });
    assert.deepEqual(double.specViolations, []);
  });

  test("search failures: the service's 400 bodies", async () => {
    double.script({ kind: "search-auth-failed" }, { kind: "search-index-not-found" });
    const auth = await post(DEPLOYMENT, { messages, stream: true, data_sources: [source()] });
    const missing = await post(DEPLOYMENT, { messages, stream: true, data_sources: [source()] });
    assert.equal(auth.status, 400);
    assert.equal(missing.status, 400);
    const authMessage = (auth.json().error as { message: string }).message;
    assert.match(
      authMessage,
      /^Invalid AzureCognitiveSearch configuration detected: Call to get Azure Search index failed\./,
    );
    assert.match(
      authMessage,
      /\nAzure Search Error: 403, message='Server responded with status 403\. Error message: \{"error":\{"code":"","message":"Authorization failed\."\}\}'/,
    );
    assert.match(
      (missing.json().error as { message: string }).message,
      /Azure Search Error: 404, .*"The index 'hr-docs' for service 'my-search' was not found\."/,
    );
    assert.deepEqual(double.specViolations, []);
  });
});

describe("dataSourceSpecErrors", () => {
  test("agrees with the shared validator where the spec is unambiguous", { skip: skipWithoutSpecs() }, () => {
    const ok = source({ query_type: "semantic", strictness: 3 });
    assert.deepEqual(dataSourceSpecErrors(ok), []);
    assert.deepEqual(
      specValidator().validate("azure-openai-2024-10-21", "azureSearchChatExtensionConfiguration", ok),
      [],
    );
    assert.notDeepEqual(dataSourceSpecErrors(source({ strictness: 6 })), []);
    assert.notDeepEqual(dataSourceSpecErrors({ type: "pinecone", parameters: {} }), []);
  });
});

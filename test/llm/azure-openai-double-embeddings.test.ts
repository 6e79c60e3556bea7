// The double's embeddings route, driven by the real `openai` clients configured as src/llm/client.ts
// configures them for each endpoint kind (createSdkClient). The SDK asks for base64 unless told
// otherwise and decodes it itself, so these tests also pin the double's base64 to what it decodes.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { APIError, AzureOpenAI, OpenAI } from "openai";
import type { EndpointKind } from "../../src/llm/types.js";
import { float32Base64 } from "../doubles/azure-openai/embeddings.js";
import { type AzureOpenAIDouble, DEFAULT_API_KEY, startAzureOpenAIDouble } from "../doubles/azure-openai.js";
import { FAKE_EMBEDDING_DIMENSIONS, fakeEmbedding } from "../doubles/fake-embedding.js";
import {
  AZURE_OPENAI_EMBEDDINGS_REQUEST,
  AZURE_OPENAI_EMBEDDINGS_RESPONSE,
  specValidator,
} from "../doubles/spec-validator.js";
import { skipWithoutSpecs } from "../doubles/specs-dir.js";

const MODEL = "text-embedding-3-small";
const CHAT_MODEL = "gpt-4o-mini";
const KINDS: EndpointKind[] = ["azure-deployment", "azure-v1", "azure-inference", "openai-compatible"];
/** A float32 keeps about 7 significant digits; every vector component is at most 1. */
const FLOAT32_TOLERANCE = 1e-7;

let double: AzureOpenAIDouble;

before(async () => {
  double = await startAzureOpenAIDouble({ deployments: [MODEL, CHAT_MODEL] });
});
afterEach(() => double.reset());
after(() => double.close());

/** As createSdkClient builds it (api-key auth), with no retries so errors surface at once. */
function clientFor(kind: EndpointKind, apiKey = DEFAULT_API_KEY): OpenAI {
  const common = { maxRetries: 0, timeout: 5_000, organization: null, project: null, adminAPIKey: null };
  const azureAuth = {
    apiKey: "unused-placeholder",
    defaultHeaders: { "api-key": apiKey, Authorization: null },
  };
  switch (kind) {
    case "azure-deployment":
      return new AzureOpenAI({
        ...common,
        baseURL: null,
        endpoint: double.url,
        apiVersion: "2024-10-21",
        apiKey,
      });
    case "azure-v1":
      return new OpenAI({ ...common, baseURL: `${double.url}/openai/v1/`, ...azureAuth });
    case "azure-inference":
      return new OpenAI({
        ...common,
        baseURL: `${double.url}/models`,
        defaultQuery: { "api-version": "2025-04-01" },
        ...azureAuth,
      });
    case "openai-compatible":
      return new OpenAI({ ...common, baseURL: `${double.url}/v1`, apiKey });
  }
}

function assertVector(actual: readonly number[] | undefined, text: string): void {
  const expected = fakeEmbedding(text);
  assert.equal(actual?.length, expected.length, `dimensions of ${JSON.stringify(text)}`);
  for (const [i, value] of expected.entries()) {
    assert.ok(
      Math.abs((actual?.[i] ?? Number.NaN) - value) <= FLOAT32_TOLERANCE,
      `component ${i} of ${JSON.stringify(text)}: ${actual?.[i]} vs ${value}`,
    );
  }
}

async function rejection(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof APIError, `expected an APIError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the call to fail");
}

function assertNoViolations(): void {
  assert.deepEqual(double.specViolations, [], "the double saw or sent a body that violates the spec");
}

describe("embeddings through the real openai clients", { timeout: 10_000 }, () => {
  for (const kind of KINDS) {
    describe(kind, () => {
      // The 2025-04-01 inference spec takes `input` as an array only (see the next describe).
      if (kind !== "azure-inference") {
        test("a string: fakeEmbedding of it, usage in words, the request recorded and valid", async () => {
          const text = "Dogs need daily walks";
          const res = await clientFor(kind).embeddings.create({ model: MODEL, input: text });
          assert.equal(res.object, "list");
          assert.equal(res.model, MODEL);
          assert.equal(res.data.length, 1);
          assert.equal(res.data[0]?.object, "embedding");
          assert.equal(res.data[0]?.index, 0);
          assertVector(res.data[0]?.embedding, text);
          assert.deepEqual(res.usage, { prompt_tokens: 4, total_tokens: 4 });

          assert.equal(double.requests.length, 1);
          const recorded = double.requests[0];
          assert.equal(recorded?.operation, "embeddings");
          assert.equal(recorded?.route, kind);
          assert.equal(recorded?.model, MODEL);
          // The SDK's default: it decodes the base64 itself.
          assert.deepEqual(recorded?.body, { model: MODEL, input: text, encoding_format: "base64" });
          assertNoViolations();
        });
      }

      test("an array: one vector per input, in order", async () => {
        const input = ["Walk your dog twice a day.", "Keep fresh water available", "dog"];
        const res = await clientFor(kind).embeddings.create({ model: MODEL, input });
        assert.deepEqual(
          res.data.map((d) => d.index),
          [0, 1, 2],
        );
        for (const [i, text] of input.entries()) assertVector(res.data[i]?.embedding, text);
        assert.deepEqual(res.usage, { prompt_tokens: 11, total_tokens: 11 });
        assert.equal(double.requests[0]?.operation, "embeddings");
        assertNoViolations();
      });

      test('encoding_format "float" is answered with numbers, unrounded', async () => {
        const res = await clientFor(kind).embeddings.create({
          model: MODEL,
          input: ["fresh water"],
          encoding_format: "float",
        });
        assert.deepEqual(res.data[0]?.embedding, fakeEmbedding("fresh water"));
        assertNoViolations();
      });

      test("`dimensions` is honoured", async () => {
        const res = await clientFor(kind).embeddings.create({ model: MODEL, input: ["dogs"], dimensions: 8 });
        assert.equal(res.data[0]?.embedding.length, 8);
        assertNoViolations();
      });

      test("a scripted 429 surfaces with its retry-after, naming Embeddings_Create", async () => {
        double.scriptEmbeddings({ kind: "rate-limited", retryAfterSeconds: 7 });
        const err = await rejection(clientFor(kind).embeddings.create({ model: MODEL, input: ["hi"] }));
        assert.equal(err.status, 429);
        assert.equal(err.headers?.get("retry-after"), "7");
        assert.match(err.message, /Embeddings_Create Operation/);
        // the queue is used up: the next request gets vectors
        const res = await clientFor(kind).embeddings.create({ model: MODEL, input: ["hi"] });
        assert.equal(res.data.length, 1);
        assertNoViolations();
      });

      test("an unknown deployment or model: 404", async () => {
        const err = await rejection(
          clientFor(kind).embeddings.create({ model: "no-such-model", input: ["hi"] }),
        );
        assert.equal(err.status, 404);
        const code =
          kind === "azure-inference"
            ? "unknown_model"
            : kind === "openai-compatible"
              ? "model_not_found"
              : "DeploymentNotFound";
        assert.equal(err.code, code);
        assertNoViolations();
      });
    });
  }

  test("scripted unauthorized, server-error and not-found, then vectors again", async () => {
    double.scriptEmbeddings(
      { kind: "unauthorized" },
      { kind: "server-error", status: 503 },
      { kind: "not-found" },
      { kind: "embeddings" },
      () => ({ kind: "server-error" }),
    );
    const client = clientFor("azure-deployment");
    const call = () => client.embeddings.create({ model: MODEL, input: "hi" });
    assert.equal((await rejection(call())).status, 401);
    assert.equal((await rejection(call())).status, 503);
    assert.equal((await rejection(call())).code, "DeploymentNotFound");
    assert.equal((await call()).data.length, 1);
    assert.equal((await rejection(call())).status, 500);
    assert.equal((await call()).data.length, 1);
    assertNoViolations();
  });

  test("a wrong key: 401 (Azure kinds); a missing api-version on the deployment route: 404", async () => {
    for (const kind of ["azure-deployment", "azure-v1", "azure-inference"] as const) {
      const err = await rejection(
        clientFor(kind, "wrong-key").embeddings.create({ model: MODEL, input: ["hi"] }),
      );
      assert.equal(err.status, 401, kind);
    }
    const res = await fetch(`${double.url}/openai/deployments/${MODEL}/embeddings`, {
      method: "POST",
      headers: { "content-type": "application/json", "api-key": DEFAULT_API_KEY },
      body: JSON.stringify({ input: "hi" }),
    });
    assert.equal(res.status, 404);
    assertNoViolations();
  });

  test("embeddings requests leave the chat script alone, and chat requests the embeddings one", async () => {
    double.script({ kind: "rate-limited", retryAfterSeconds: 3 });
    double.scriptEmbeddings({ kind: "server-error" });
    const client = clientFor("azure-deployment");
    const chat = client.chat.completions.create({
      model: CHAT_MODEL,
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal((await rejection(chat)).status, 429);
    assert.equal((await rejection(client.embeddings.create({ model: MODEL, input: "hi" }))).status, 500);
    assert.equal((await client.embeddings.create({ model: MODEL, input: "hi" })).data.length, 1);
    assert.deepEqual(
      double.requests.map((r) => r.operation),
      ["chat", "embeddings", "embeddings"],
    );
    assertNoViolations();
  });

  test("on the wire, base64 is little-endian float32s; float is plain numbers", async () => {
    const post = async (encoding_format: string) => {
      const res = await fetch(`${double.url}/openai/deployments/${MODEL}/embeddings?api-version=2024-10-21`, {
        method: "POST",
        headers: { "content-type": "application/json", "api-key": DEFAULT_API_KEY },
        body: JSON.stringify({ input: ["dogs"], encoding_format }),
      });
      assert.equal(res.status, 200);
      return ((await res.json()) as { data: Array<{ embedding: unknown }> }).data[0]?.embedding;
    };
    const base64 = await post("base64");
    assert.equal(typeof base64, "string");
    const bytes = Buffer.from(base64 as string, "base64");
    assert.equal(bytes.length, FAKE_EMBEDDING_DIMENSIONS * 4);
    const expected = fakeEmbedding("dogs");
    for (const [i, value] of expected.entries()) assert.equal(bytes.readFloatLE(i * 4), Math.fround(value));
    assert.deepEqual(await post("float"), expected);
    assertNoViolations();
  });

  test("azure-inference: a bare string input violates the 2025-04-01 spec (input is string[])", {
    skip: skipWithoutSpecs(),
  }, async () => {
    const err = await rejection(
      clientFor("azure-inference").embeddings.create({ model: MODEL, input: "hi" }),
    );
    assert.equal(err.status, 500);
    assert.equal(double.specViolations.length, 1);
    assert.equal(double.specViolations[0]?.direction, "request");
    assert.equal(double.specViolations[0]?.schema, "EmbeddingsOptions");
    assert.match(double.specViolations[0]?.errors.join("\n") ?? "", /input must be array/);
  });
});

describe("the embeddings schemas and their known deviation", () => {
  const validate = (schema: string, payload: unknown) =>
    specValidator().validate("azure-openai-2024-10-21", schema, payload);
  const answer = (embedding: unknown) => ({
    object: "list",
    model: MODEL,
    data: [{ object: "embedding", index: 0, embedding }],
    usage: { prompt_tokens: 1, total_tokens: 1 },
  });

  test("the inline 2024-10-21 request schema is reached by pointer and enforced", {
    skip: skipWithoutSpecs(),
  }, () => {
    assert.deepEqual(validate(AZURE_OPENAI_EMBEDDINGS_REQUEST, { input: "hi" }), []);
    assert.deepEqual(validate(AZURE_OPENAI_EMBEDDINGS_REQUEST, { input: ["a", "b"] }), []);
    assert.notDeepEqual(validate(AZURE_OPENAI_EMBEDDINGS_REQUEST, {}), []);
    assert.notDeepEqual(validate(AZURE_OPENAI_EMBEDDINGS_REQUEST, { input: [] }), []);
    assert.notDeepEqual(validate(AZURE_OPENAI_EMBEDDINGS_REQUEST, { input: [1, 2] }), []);
  });

  test("a base64 embedding is accepted only when it is whole float32s", { skip: skipWithoutSpecs() }, () => {
    const vector = fakeEmbedding("dogs");
    assert.equal(vector.length, FAKE_EMBEDDING_DIMENSIONS);
    assert.deepEqual(validate(AZURE_OPENAI_EMBEDDINGS_RESPONSE, answer(vector)), []);
    assert.deepEqual(validate(AZURE_OPENAI_EMBEDDINGS_RESPONSE, answer(float32Base64(vector))), []);
    assert.notDeepEqual(validate(AZURE_OPENAI_EMBEDDINGS_RESPONSE, answer("not base64!")), []);
    // 3 bytes: not a whole float32
    assert.notDeepEqual(validate(AZURE_OPENAI_EMBEDDINGS_RESPONSE, answer("AAAA")), []);
    assert.notDeepEqual(validate(AZURE_OPENAI_EMBEDDINGS_RESPONSE, answer(42)), []);
    // the inference spec's EmbeddingsResult, which also requires an id
    const inference = (embedding: unknown) =>
      specValidator().validate("azure-ai-inference-2025-04-01", "EmbeddingsResult", {
        id: "1",
        ...answer(embedding),
      });
    assert.deepEqual(inference(float32Base64(vector)), []);
    assert.notDeepEqual(inference("not base64!"), []);
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { profileFor } from "../../src/llm/models.js";
import {
  buildChatBody,
  dataSourcesSupported,
  inferenceExtraParameters,
  REFUSED_WITH_DATA_SOURCES,
  streamUsageSupported,
} from "../../src/llm/request.js";
import type {
  CompletionRequest,
  DataSourceRequest,
  EndpointKind,
  GenerationOptions,
} from "../../src/llm/types.js";
import { specValidator } from "../doubles/spec-validator.js";

const messages: CompletionRequest["messages"] = [
  { role: "system", content: "You are helpful." },
  { role: "user", content: "Hi" },
];

function request(model: string, options: GenerationOptions): CompletionRequest {
  return { model, profile: profileFor(model), messages, options };
}

const ALL_OPTIONS: GenerationOptions = {
  temperature: 0.2,
  topP: 0.9,
  maxTokens: 500,
  stop: ["END"],
  presencePenalty: 0.5,
  frequencyPenalty: -0.5,
};

describe("buildChatBody", () => {
  const vectors: Array<{ name: string; request: CompletionRequest; includeUsage: boolean; body: object }> = [
    {
      name: "classic model: every option, max_tokens",
      request: request("gpt-4o", ALL_OPTIONS),
      includeUsage: true,
      body: {
        model: "gpt-4o",
        messages,
        stream: true,
        stream_options: { include_usage: true },
        temperature: 0.2,
        top_p: 0.9,
        presence_penalty: 0.5,
        frequency_penalty: -0.5,
        max_tokens: 500,
        stop: ["END"],
      },
    },
    {
      name: "reasoning model: no sampling parameters, max_completion_tokens",
      request: request("o3-mini", ALL_OPTIONS),
      includeUsage: true,
      body: {
        model: "o3-mini",
        messages,
        stream: true,
        stream_options: { include_usage: true },
        max_completion_tokens: 500,
        stop: ["END"],
      },
    },
    {
      name: "newer non-reasoning model: sampling kept, max_completion_tokens",
      request: request("gpt-4.1-mini", { temperature: 0, maxTokens: 64 }),
      includeUsage: false,
      body: { model: "gpt-4.1-mini", messages, stream: true, temperature: 0, max_completion_tokens: 64 },
    },
    {
      name: "nothing set: only what is required, no stream_options when usage is not asked",
      request: request("gpt-35-turbo", {}),
      includeUsage: false,
      body: { model: "gpt-35-turbo", messages, stream: true },
    },
    {
      name: "stop: empty strings dropped, at most 4, empty list omitted",
      request: request("gpt-4o", { stop: ["a", "", "b", "c", "d", "e"] }),
      includeUsage: false,
      body: { model: "gpt-4o", messages, stream: true, stop: ["a", "b", "c", "d"] },
    },
    {
      name: "stop: only empty strings",
      request: request("gpt-4o", { stop: [""] }),
      includeUsage: false,
      body: { model: "gpt-4o", messages, stream: true },
    },
    {
      name: "zero values are sent (0 is a setting, not absence)",
      request: request("gpt-4o", { temperature: 0, topP: 0, presencePenalty: 0, frequencyPenalty: 0 }),
      includeUsage: false,
      body: {
        model: "gpt-4o",
        messages,
        stream: true,
        temperature: 0,
        top_p: 0,
        presence_penalty: 0,
        frequency_penalty: 0,
      },
    },
  ];

  for (const v of vectors) {
    test(v.name, () => {
      const body = buildChatBody(v.request, { includeUsage: v.includeUsage });
      assert.deepEqual(body, v.body);
      // Every body must be valid for the Azure OpenAI 2024-10-21 spec.
      assert.deepEqual(
        specValidator().validate("azure-openai-2024-10-21", "createChatCompletionRequest", body),
        [],
      );
    });
  }

  test("request fields are copied, not shared", () => {
    const req = request("gpt-4o", {});
    const body = buildChatBody(req, { includeUsage: false });
    assert.notEqual(body.messages, req.messages);
  });
});

describe("streamUsageSupported", () => {
  const vectors: Array<[EndpointKind, string, boolean]> = [
    ["azure-deployment", "2024-10-21", true],
    ["azure-deployment", "2024-09-01-preview", true],
    ["azure-deployment", "2025-04-01-preview", true],
    ["azure-deployment", "2024-08-01-preview", false],
    ["azure-deployment", "2024-06-01", false],
    ["azure-deployment", "2024-02-01", false],
    ["azure-deployment", "2023-05-15", false],
    ["azure-deployment", "preview", true],
    ["azure-v1", "v1", true],
    ["azure-inference", "2025-04-01", true],
    ["openai-compatible", "", true],
  ];
  for (const [kind, version, expected] of vectors) {
    test(`${kind} ${version || "(none)"} → ${expected}`, () => {
      assert.equal(streamUsageSupported(kind, version), expected);
    });
  }
});

describe("inferenceExtraParameters", () => {
  test("only spec fields: no header", () => {
    assert.equal(
      inferenceExtraParameters({ model: "m", messages: [], stream: true, max_tokens: 5, stop: ["x"] }),
      undefined,
    );
  });
  test("stream_options or max_completion_tokens: pass-through", () => {
    assert.equal(
      inferenceExtraParameters({ model: "m", messages: [], stream_options: { include_usage: true } }),
      "pass-through",
    );
    assert.equal(
      inferenceExtraParameters({ model: "m", messages: [], max_completion_tokens: 5 }),
      "pass-through",
    );
  });
  test("the bodies we build validate against the model inference spec (extra fields allowed there)", () => {
    const body = buildChatBody(request("gpt-4o", ALL_OPTIONS), { includeUsage: true });
    assert.deepEqual(
      specValidator().validate("azure-ai-inference-2025-04-01", "ChatCompletionsOptions", body),
      [],
    );
  });
});

describe("buildChatBody with a data source (On Your Data)", () => {
  const dataSource: DataSourceRequest = {
    type: "azure_search",
    parameters: {
      endpoint: "https://my-search.search.windows.net",
      index_name: "hr-docs",
      authentication: { type: "system_assigned_managed_identity" },
      query_type: "vector_simple_hybrid",
      embedding_dependency: { type: "deployment_name", deployment_name: "text-embedding-3-small" },
      in_scope: true,
      strictness: 3,
      top_n_documents: 5,
    },
  };
  const withSource = (model: string, options: GenerationOptions): CompletionRequest => ({
    ...request(model, options),
    dataSource,
  });

  test("data_sources holds exactly the one source; stream_options is left out even when usage is asked", () => {
    const body = buildChatBody(withSource("gpt-4o", ALL_OPTIONS), { includeUsage: true });
    assert.deepEqual(body, {
      model: "gpt-4o",
      messages,
      stream: true,
      temperature: 0.2,
      top_p: 0.9,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      max_tokens: 500,
      stop: ["END"],
      data_sources: [dataSource],
    });
  });

  test("no field the service refuses next to data_sources is ever sent", () => {
    for (const includeUsage of [true, false]) {
      const body: object = buildChatBody(withSource("gpt-4o", ALL_OPTIONS), { includeUsage });
      for (const field of REFUSED_WITH_DATA_SOURCES) assert.equal(field in body, false, field);
    }
    assert.ok(REFUSED_WITH_DATA_SOURCES.includes("stream_options"));
  });

  test("the source is copied into the body, not shared", () => {
    const req = withSource("gpt-4o", {});
    const body = buildChatBody(req, { includeUsage: false });
    assert.notEqual(body.data_sources?.[0], req.dataSource);
    assert.deepEqual(body.data_sources?.[0], req.dataSource);
  });

  test("without a data source nothing changes (stream_options stays)", () => {
    const body = buildChatBody(request("gpt-4o", {}), { includeUsage: true });
    assert.equal("data_sources" in body, false);
    assert.deepEqual(body.stream_options, { include_usage: true });
  });

  test("the body validates against createChatCompletionRequest and the source against its mapped schema", () => {
    const body = buildChatBody(withSource("gpt-4o", ALL_OPTIONS), { includeUsage: true });
    const validator = specValidator();
    assert.deepEqual(validator.validate("azure-openai-2024-10-21", "createChatCompletionRequest", body), []);
    assert.deepEqual(
      validator.validate(
        "azure-openai-2024-10-21",
        "azureSearchChatExtensionConfiguration",
        body.data_sources?.[0],
      ),
      [],
    );
  });
});

describe("dataSourcesSupported", () => {
  const vectors: Array<[EndpointKind, boolean]> = [
    ["azure-deployment", true],
    ["azure-v1", true],
    ["azure-inference", false],
    ["openai-compatible", false],
  ];
  for (const [kind, expected] of vectors) {
    test(`${kind} → ${expected}`, () => assert.equal(dataSourcesSupported(kind), expected));
  }
});

// createLlmClient with an On Your Data source, against the HTTP double over real HTTP: citations before
// the text, [docN] kept, the refused parameters left out, search failures as datasource_error.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { BotError } from "../../src/errors.js";
import { createLlmClient } from "../../src/llm/client.js";
import { SEARCH_ROLES_HINT } from "../../src/llm/error-mapping.js";
import { profileFor } from "../../src/llm/models.js";
import type {
  CompletionEvent,
  CompletionRequest,
  DataSourceRequest,
  EndpointKind,
  LlmEndpointConfig,
} from "../../src/llm/types.js";
import { userMessageFor } from "../../src/user-messages.js";
import {
  type AzureOpenAIDouble,
  DEFAULT_API_KEY,
  DEFAULT_OYD_CITATIONS,
  DEFAULT_OYD_PIECES,
  type DoubleCitation,
  NOT_IN_DATA_ANSWER,
  startAzureOpenAIDouble,
} from "../doubles/azure-openai.js";

let double: AzureOpenAIDouble;
before(async () => {
  double = await startAzureOpenAIDouble();
});
afterEach(() => {
  const violations = [...double.specViolations];
  double.reset();
  assert.deepEqual(violations, [], "the double saw or sent a body that violates the spec");
});
after(() => double.close());

const DATA_SOURCE: DataSourceRequest = {
  type: "azure_search",
  parameters: {
    endpoint: "https://my-search.search.windows.net",
    index_name: "hr-docs",
    authentication: { type: "system_assigned_managed_identity" },
    query_type: "simple",
    in_scope: true,
    top_n_documents: 5,
  },
};

const CITATIONS: DoubleCitation[] = [
  {
    content: "Employees get 25 days of paid leave.",
    title: "Leave policy",
    url: "https://contoso.sharepoint.com/hr/leave.pdf",
    filepath: "leave.pdf",
    chunk_id: "3",
  },
  {
    content: "Carry-over is capped at 5 days.",
    title: "Carry-over",
    url: null,
    filepath: "carry.md",
    chunk_id: "0",
  },
];

function config(kind: EndpointKind): LlmEndpointConfig {
  const endpoint =
    kind === "azure-inference"
      ? `${double.url}/models`
      : kind === "openai-compatible"
        ? `${double.url}/v1`
        : `${double.url}/`;
  return {
    kind,
    endpoint,
    apiKey: DEFAULT_API_KEY,
    apiVersion: kind === "azure-inference" ? "2025-04-01" : kind === "azure-v1" ? "v1" : "2024-10-21",
    tokenScope: "https://cognitiveservices.azure.com/.default",
    timeoutMs: 5_000,
    maxRateLimitRetries: 1,
    maxRetryWaitMs: 500,
  };
}

function ask(dataSource: DataSourceRequest | null = DATA_SOURCE): CompletionRequest {
  return {
    model: "gpt-4o",
    profile: profileFor("gpt-4o"),
    messages: [
      { role: "system", content: "Answer from the documents." },
      { role: "user", content: "How many days of leave do I get?" },
    ],
    options: { temperature: 0.2, maxTokens: 200 },
    ...(dataSource ? { dataSource } : {}),
  };
}

async function collect(
  kind: EndpointKind,
  request = ask(),
): Promise<{ events: CompletionEvent[]; error?: BotError }> {
  const events: CompletionEvent[] = [];
  try {
    for await (const event of createLlmClient(config(kind)).stream(request)) events.push(event);
    return { events };
  } catch (error) {
    assert.ok(error instanceof BotError, `expected a BotError, got ${String(error)}`);
    return { events, error };
  }
}

const texts = (events: CompletionEvent[]) => events.flatMap((e) => (e.type === "text" ? [e.text] : []));

describe("streaming with citations", () => {
  for (const kind of ["azure-deployment", "azure-v1"] as const) {
    test(`${kind}: citations first, [docN] kept, done without usage; data_sources sent, stream_options not`, async () => {
      double.script({
        kind: "stream",
        pieces: ["You get 25 days", " [doc1]", "; up to 5 carry over [doc2]."],
        citations: CITATIONS,
        intent: '["paid leave days"]',
      });
      const { events, error } = await collect(kind);
      assert.equal(error, undefined);
      assert.deepEqual(events, [
        { type: "citations", citations: CITATIONS, intent: '["paid leave days"]' },
        { type: "text", text: "You get 25 days" },
        { type: "text", text: " [doc1]" },
        { type: "text", text: "; up to 5 carry over [doc2]." },
        { type: "done", finishReason: "stop" },
      ]);
      assert.equal(double.requests.length, 1);
      const body = double.requests[0]?.body as Record<string, unknown>;
      assert.deepEqual(body.data_sources, [DATA_SOURCE]);
      assert.equal("stream_options" in body, false);
      assert.equal(body.temperature, 0.2);
      assert.equal(body.max_tokens, 200);
    });
  }

  test("the double's default On Your Data answer", async () => {
    const { events } = await collect("azure-deployment");
    assert.deepEqual(events[0], {
      type: "citations",
      citations: DEFAULT_OYD_CITATIONS,
      intent: '["How many days of leave do I get?"]',
    });
    assert.deepEqual(texts(events), DEFAULT_OYD_PIECES);
  });

  test("nothing found in scope: empty citations and the service's sentence", async () => {
    double.script({ kind: "not-in-data" });
    const { events, error } = await collect("azure-deployment");
    assert.equal(error, undefined);
    assert.deepEqual(events, [
      { type: "citations", citations: [], intent: '["How many days of leave do I get?"]' },
      { type: "text", text: NOT_IN_DATA_ANSWER },
      { type: "done", finishReason: "stop" },
    ]);
  });

  test("a stream cut after the citations is retried; the citations come once, from the retry", async () => {
    double.script(
      { kind: "cut", pieces: [] },
      { kind: "stream", pieces: ["25 days [doc1]."], citations: [CITATIONS[0] as DoubleCitation] },
    );
    const { events, error } = await collect("azure-deployment");
    assert.equal(error, undefined);
    assert.equal(double.requests.length, 2);
    assert.deepEqual(
      events.filter((e) => e.type === "citations"),
      [{ type: "citations", citations: [CITATIONS[0]], intent: '["How many days of leave do I get?"]' }],
    );
    assert.deepEqual(texts(events), ["25 days [doc1]."]);
  });

  test("without a data source the request and answer are unchanged", async () => {
    const { events } = await collect("azure-deployment", ask(null));
    assert.equal(
      events.some((e) => e.type === "citations"),
      false,
    );
    const body = double.requests[0]?.body as Record<string, unknown>;
    assert.equal("data_sources" in body, false);
    assert.deepEqual(body.stream_options, { include_usage: true });
  });
});

describe("search failures", () => {
  test("search refuses Azure OpenAI's identity: datasource_error naming the roles, not retried", async () => {
    double.script({ kind: "search-auth-failed" });
    const { events, error } = await collect("azure-deployment");
    assert.deepEqual(events, []);
    assert.equal(error?.code, "datasource_error");
    assert.equal(error?.details.status, 400);
    assert.match(
      error?.message ?? "",
      /index "hr-docs".*Azure AI Search answered 403 "Authorization failed\."/,
    );
    assert.equal(error?.details.hint, `system-assigned managed identity: ${SEARCH_ROLES_HINT}`);
    assert.equal(double.requests.length, 1);
    assert.match(userMessageFor(error), /document search failed.*administrator/);
  });

  test("an API key search refuses: the key hint", async () => {
    double.script({ kind: "search-auth-failed" });
    const withKey: DataSourceRequest = {
      ...DATA_SOURCE,
      parameters: {
        ...DATA_SOURCE.parameters,
        authentication: { type: "api_key", key: "wrong-search-key-123" },
      },
    };
    const { error } = await collect("azure-deployment", ask(withKey));
    assert.equal(error?.code, "datasource_error");
    assert.match(error?.details.hint ?? "", /AZURE_SEARCH_API_KEY.*admin key/);
  });

  test("a missing index: datasource_error naming the index and the variables", async () => {
    double.script({ kind: "search-index-not-found" });
    const { error } = await collect("azure-v1");
    assert.equal(error?.code, "datasource_error");
    assert.equal(error?.details.name, "hr-docs");
    assert.match(
      error?.message ?? "",
      /answered 404 "The index 'hr-docs' for service 'my-search' was not found\."/,
    );
    assert.match(error?.details.hint ?? "", /AZURE_SEARCH_INDEX/);
  });

  test("other failures keep their codes (429 is retried as usual)", async () => {
    double.script(
      { kind: "rate-limited", retryAfterMs: 10 },
      { kind: "stream", pieces: ["ok"], citations: [] },
    );
    const { events, error } = await collect("azure-deployment");
    assert.equal(error, undefined);
    assert.deepEqual(texts(events), ["ok"]);
    assert.equal(double.requests.length, 2);
  });
});

describe("endpoints without On Your Data", () => {
  for (const kind of ["azure-inference", "openai-compatible"] as const) {
    test(`${kind}: a clear datasource_error, nothing sent`, async () => {
      const { events, error } = await collect(kind);
      assert.deepEqual(events, []);
      assert.equal(error?.code, "datasource_error");
      assert.match(error?.message ?? "", new RegExp(`on a ${kind} endpoint`));
      assert.match(error?.details.hint ?? "", /Azure OpenAI endpoint/);
      assert.equal(double.requests.length, 0);
    });
  }
});

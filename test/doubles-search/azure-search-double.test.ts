// Self-test of the Azure AI Search double with the REAL @azure/search-documents 13 clients over HTTPS:
// getIndex, keyword / semantic / vector / hybrid search, knowledge base retrieve, the service's failures, TLS
// trust, the SDK's retry switch, and the double's answers against the official 2026-04-01 examples.
import assert from "node:assert/strict";
import { request as httpsRequest } from "node:https";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  AzureKeyCredential,
  KnowledgeRetrievalClient,
  SearchClient,
  SearchIndexClient,
} from "@azure/search-documents";
import { emptyErrorBodyPolicy } from "../../src/retrieval/search-clients.js";
import {
  type AzureSearchDouble,
  examplesAvailable,
  HR_INDEX,
  HR_KNOWLEDGE_BASE,
  PRODUCT_INDEX,
  startAzureSearchDouble,
  THROTTLED_MESSAGE,
  unexpectedResponseKeys,
} from "../doubles/azure-search/index.js";
import { cosineSimilarity, fakeEmbedding } from "../doubles/fake-embedding.js";

type Doc = Record<string, unknown>;
const KEY = new AzureKeyCredential("test-search-key");
const TOKEN = {
  getToken: async () => ({ token: "test-search-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/** What an SDK call threw. */
async function failure(promise: Promise<unknown>): Promise<{
  name: string;
  statusCode?: number;
  message: string;
  code?: string;
  response?: { headers: { get(name: string): string | undefined } };
}> {
  try {
    await promise;
  } catch (error) {
    return error as never;
  }
  throw new Error("expected the call to fail");
}

describe("Azure AI Search double with the real @azure/search-documents clients", { timeout: 10_000 }, () => {
  let double: AzureSearchDouble;
  // The product's client options: trust the double's certificate, and no SDK retries.
  const options = () => ({ tlsOptions: { ca: double.ca }, retryOptions: { maxRetries: 0 } });
  const hr = () => new SearchClient<Doc>(double.url, "hr-index", KEY, options());
  const products = () => new SearchClient<Doc>(double.url, "products", KEY, options());
  const kb = (name = "hr-kb") => new KnowledgeRetrievalClient(double.url, name, KEY, options());

  /** A raw HTTPS call, for requests the SDK cannot send (unknown properties, another api-version). */
  function raw(
    path: string,
    body: unknown,
    headers: Record<string, string> = { "api-key": "test-search-key" },
  ) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(
        `${double.url}${path}`,
        { method: "POST", ca: double.ca, headers: { "content-type": "application/json", ...headers } },
        (res) => {
          let text = "";
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("error", reject);
      req.end(JSON.stringify(body));
    });
  }

  before(async () => {
    double = await startAzureSearchDouble({
      indexes: [HR_INDEX, PRODUCT_INDEX],
      knowledgeBases: [HR_KNOWLEDGE_BASE],
    });
  });
  after(() => double.close());
  beforeEach(() => double.reset());

  it("getIndex answers both fixtures (OData path, minimal metadata, api-key)", async () => {
    const client = new SearchIndexClient(double.url, KEY, options());
    const index = await client.getIndex("hr-index");
    assert.deepEqual(
      index.fields.map((f) => f.name),
      ["chunk_id", "parent_id", "chunk", "title", "text_vector"],
    );
    assert.equal(index.semanticSearch?.defaultConfigurationName, "hr-semantic");
    assert.deepEqual(
      index.semanticSearch?.configurations?.[0]?.prioritizedFields.contentFields?.map((f) => f.name),
      ["chunk"],
    );
    assert.equal(index.vectorSearch?.vectorizers?.[0]?.kind, "azureOpenAI");
    // SDK 13 quirk: the type says `etag`, but getIndex puts @odata.etag in `eTag`.
    assert.equal(index.etag, undefined);
    assert.match(String((index as unknown as { eTag?: string }).eTag), /^0x/);
    const product = await client.getIndex("products");
    assert.equal(product.semanticSearch, undefined);
    assert.equal(product.vectorSearch?.profiles?.[0]?.vectorizerName, undefined);
    const [request] = double.requests;
    assert.equal(request?.operation, "getIndex");
    assert.equal(request?.method, "GET");
    assert.equal(request?.path, "/indexes('hr-index')");
    assert.deepEqual(request?.query, { "api-version": "2026-04-01" });
    assert.equal(request?.headers.accept, "application/json;odata.metadata=minimal");
    assert.equal(request?.headers["api-key"], "test-search-key");
    assert.deepEqual(double.violations, []);
  });

  it("keyword search with select, top, filter and count", async () => {
    const result = await products().search("warranty", {
      select: ["id", "name", "link"],
      top: 1,
      filter: "path eq '/catalog/networking/router-x200.md' or search.in(id, 'mesh-kit-3,dock-usb-c')",
      includeTotalCount: true,
    });
    assert.equal(result.count, 2);
    const hits = [];
    for await (const hit of result.results) hits.push(hit);
    assert.equal(hits.length, 1);
    assert.equal(hits[0]?.document.id, "router-x200");
    assert.ok((hits[0]?.score ?? 0) > 0);
    // SDK 13 quirk: the @search.* annotations also stay in `document`.
    assert.deepEqual(Object.keys(hits[0]?.document ?? {}), ["@search.score", "id", "name", "link"]);
    const [request] = double.requests;
    assert.equal(request?.path, "/indexes('products')/docs/search.post.search");
    assert.equal(request?.headers.accept, "application/json;odata.metadata=none");
    assert.deepEqual(request?.body, {
      count: true,
      filter: "path eq '/catalog/networking/router-x200.md' or search.in(id, 'mesh-kit-3,dock-usb-c')",
      search: "warranty",
      select: "id,name,link",
      top: 1,
    });
    assert.deepEqual(double.violations, []);
  });

  it("semantic search with extractive captions and answers", async () => {
    const result = await hr().search("How many vacation days do contractors get?", {
      queryType: "semantic",
      top: 3,
      select: ["chunk_id", "title", "chunk"],
      semanticSearchOptions: {
        configurationName: "hr-semantic",
        captions: { captionType: "extractive", highlight: true },
        answers: { answerType: "extractive", count: 1, threshold: 0.7 },
      },
    });
    const hits = [];
    for await (const hit of result.results) hits.push(hit);
    assert.equal(hits[0]?.document.title, "Contractor-Guidelines.pdf");
    const reranker = hits.map((hit) => hit.rerankerScore ?? -1);
    assert.ok(reranker.every((score) => score >= 0 && score <= 4));
    assert.deepEqual(
      reranker,
      [...reranker].sort((a, b) => b - a),
    );
    assert.equal(hits[0]?.rerankerBoostedScore, hits[0]?.rerankerScore);
    assert.match(hits[0]?.captions?.[0]?.text ?? "", /contractors/i);
    assert.match(hits[0]?.captions?.[0]?.highlights ?? "", /<em>contractors<\/em>/);
    assert.equal(result.answers?.[0]?.key, hits[0]?.document.chunk_id);
    assert.ok((result.answers?.[0]?.score ?? 0) >= 0.7);
    const body = double.requests[0]?.body as Doc;
    assert.equal(body.captions, "extractive|highlight-true");
    assert.equal(body.answers, "extractive|count-1,threshold-0.7");
    assert.equal(body.semanticConfiguration, "hr-semantic");
    assert.deepEqual(double.violations, []);
  });

  it("a text vector query is embedded by the index vectorizer (fakeEmbedding)", async () => {
    const query = "parental leave after an adoption";
    const result = await hr().search(undefined, {
      select: ["chunk_id", "title"],
      vectorSearchOptions: {
        queries: [{ kind: "text", text: query, fields: ["text_vector"], kNearestNeighborsCount: 3 }],
      },
    });
    const hits = [];
    for await (const hit of result.results) hits.push(hit);
    assert.equal(hits.length, 3);
    assert.equal(hits[0]?.document.title, "Parental-Leave-Policy.pdf");
    const doc = HR_INDEX.documents.find((d) => d.title === "Parental-Leave-Policy.pdf") ?? {};
    const stored = fakeEmbedding([doc.chunk_id, doc.chunk, doc.title].join(" "));
    assert.ok(
      Math.abs((hits[0]?.score ?? 0) - 1 / (2 - cosineSimilarity(fakeEmbedding(query), stored))) < 1e-9,
    );
    assert.deepEqual(double.requests[0]?.body, {
      select: "chunk_id,title",
      vectorQueries: [{ k: 3, fields: "text_vector", kind: "text", text: query }],
    });
    assert.deepEqual(double.violations, []);
  });

  it("a raw vector query is ranked by cosine similarity; vector fields are filled with fakeEmbedding", async () => {
    const result = await products().search(undefined, {
      select: ["id", "contentVector"],
      vectorSearchOptions: {
        queries: [
          {
            kind: "vector",
            vector: fakeEmbedding("thermostat heating schedules"),
            fields: ["contentVector"],
            kNearestNeighborsCount: 2,
          },
        ],
      },
    });
    const hits = [];
    for await (const hit of result.results) hits.push(hit);
    assert.equal(hits.length, 2);
    assert.equal(hits[0]?.document.id, "thermostat-t5");
    const t5 = PRODUCT_INDEX.documents.find((d) => d.id === "thermostat-t5") ?? {};
    assert.deepEqual(
      hits[0]?.document.contentVector,
      fakeEmbedding([t5.name, t5.description, t5.body].join(" ")),
    );
    assert.deepEqual(double.violations, []);
  });

  it("a hybrid query fuses keyword and vector ranks with RRF", async () => {
    const result = await hr().search("expense receipts", {
      select: ["title"],
      top: 2,
      vectorSearchOptions: { queries: [{ kind: "text", text: "expense receipts", fields: ["text_vector"] }] },
    });
    const hits = [];
    for await (const hit of result.results) hits.push(hit);
    assert.equal(hits[0]?.document.title, "Travel-and-Expense-Policy.pdf");
    // First in both lists: 1/(60+0) + 1/(60+0), the official example's RRF scale.
    assert.ok(Math.abs((hits[0]?.score ?? 0) - 2 / 60) < 1e-12);
    assert.ok((hits[1]?.score ?? 1) < (hits[0]?.score ?? 0));
    assert.deepEqual(double.violations, []);
  });

  it("vector and semantic queries the index cannot serve answer 400 with the service's messages", async () => {
    const noVectorizer = await failure(
      products().search(undefined, {
        vectorSearchOptions: { queries: [{ kind: "text", text: "router", fields: ["contentVector"] }] },
      }),
    );
    assert.equal(noVectorizer.statusCode, 400);
    assert.equal(
      noVectorizer.message,
      "Field 'contentVector' does not have a vectorizer defined in it's vector profile.",
    );
    const noConfiguration = await failure(
      products().search("router", { queryType: "semantic", semanticSearchOptions: {} }),
    );
    assert.equal(noConfiguration.statusCode, 400);
    assert.match(noConfiguration.message, /^The parameter 'semanticConfiguration' must not be empty/);
    const unknownConfiguration = await failure(
      hr().search("vacation", {
        queryType: "semantic",
        semanticSearchOptions: { configurationName: "nope" },
      }),
    );
    assert.equal(
      unknownConfiguration.message,
      "Unknown semantic configuration 'nope'.\r\nParameter name: semanticConfiguration",
    );
    assert.deepEqual(double.violations, []);
  });

  it("retrieve runs the intent over the knowledge base's index (extractive data, activity, references)", async () => {
    let rawBody: Doc = {};
    const result = await kb().retrieve(
      {
        intents: [{ type: "semantic", search: "How long is parental leave?" }],
        includeActivity: true,
        maxOutputSizeInTokens: 5000,
        knowledgeSourceParams: [
          {
            kind: "searchIndex",
            knowledgeSourceName: "hr-knowledge-source",
            includeReferenceSourceData: true,
          },
        ],
      },
      { onResponse: (response) => (rawBody = response.parsedBody as unknown as Doc) },
    );
    const content = result.response?.[0]?.content[0];
    assert.equal(content?.type, "text");
    const extracted = JSON.parse((content as { text?: string } | undefined)?.text ?? "[]") as Doc[];
    assert.deepEqual(Object.keys(extracted[0] ?? {}), ["ref_id", "title", "content"]);
    assert.equal(extracted[0]?.title, "Parental-Leave-Policy.pdf");
    const reference = result.references?.[0];
    assert.equal(reference?.type, "searchIndex");
    assert.equal(reference?.id, "0");
    assert.equal(reference?.activitySource, 0);
    assert.equal(
      (reference as { docKey?: string } | undefined)?.docKey,
      HR_INDEX.documents.find((d) => d.title === "Parental-Leave-Policy.pdf")?.chunk_id,
    );
    assert.ok(typeof reference?.rerankerScore === "number");
    assert.equal(reference?.sourceData?.title, "Parental-Leave-Policy.pdf");
    assert.deepEqual(
      result.activity?.map((a) => a.type),
      ["searchIndex", "agenticReasoning"],
    );
    // SDK 13 quirk: a searchIndex activity record keeps only id/type (it reads `elapsedInMs`, the service sends elapsedMs).
    const activity = (rawBody.activity as Doc[])[0] ?? {};
    assert.equal(activity.knowledgeSourceName, "hr-knowledge-source");
    assert.equal(typeof activity.elapsedMs, "number");
    assert.deepEqual(Object.keys(result.activity?.[0] ?? {}).sort(), ["elapsedInMs", "error", "id", "type"]);
    assert.deepEqual(double.requests[0]?.body, {
      intents: [{ type: "semantic", search: "How long is parental leave?" }],
      maxOutputSizeInTokens: 5000,
      includeActivity: true,
      knowledgeSourceParams: [
        { knowledgeSourceName: "hr-knowledge-source", includeReferenceSourceData: true, kind: "searchIndex" },
      ],
    });
    assert.equal(double.requests[0]?.path, "/knowledgebases('hr-kb')/retrieve");
    assert.equal(double.requests[0]?.knowledgeBase, "hr-kb");
    const plain = await kb().retrieve({ intents: [{ type: "semantic", search: "home office allowance" }] });
    assert.equal(plain.activity, undefined);
    assert.equal(plain.references?.[0]?.sourceData, undefined);
    assert.deepEqual(double.violations, []);
  });

  it("retrieve: unknown knowledge base is 404; the preview `messages` shape is 400 and a violation", async () => {
    const missing = await failure(kb("nope").retrieve({ intents: [{ type: "semantic", search: "x" }] }));
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.message, "The knowledge base 'nope' for service 'search-double' was not found.");
    const preview = await raw("/knowledgebases('hr-kb')/retrieve?api-version=2026-04-01", {
      messages: [{ role: "user", content: [{ type: "text", text: "vacation" }] }],
    });
    assert.equal(preview.status, 400);
    assert.match(JSON.parse(preview.body).error.message, /The property 'messages' does not exist/);
    assert.equal(double.violations.length, 1);
    assert.match(double.violations[0] ?? "", /'messages' is a preview-only/);
  });

  it("403: wrong key (empty body) makes SDK 13 throw a TypeError; a role failure (with a body) is a RestError", async () => {
    const wrongKey = new SearchClient(double.url, "hr-index", new AzureKeyCredential("wrong"), options());
    const typeError = await failure(wrongKey.search("vacation"));
    assert.equal(
      typeError.name,
      "TypeError",
      "the SDK's errorResponseDeserializer reads .error of an undefined body",
    );
    assert.match(double.violations[0] ?? "", /neither the right api-key nor the right bearer token/);
    // The bot's workaround (src/retrieval/search-clients.ts): empty error bodies get a JSON body.
    wrongKey.pipeline.addPolicy(emptyErrorBodyPolicy);
    const restError = await failure(wrongKey.search("vacation"));
    assert.equal(restError.name, "RestError");
    assert.equal(restError.statusCode, 403);
    double.failNext("search", { status: 403, message: "Authorization failed." });
    const role = await failure(hr().search("vacation"));
    assert.equal(role.name, "RestError");
    assert.equal(role.statusCode, 403);
    assert.equal(role.message, "Authorization failed.");
    const badToken = {
      getToken: async () => ({ token: "other", expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
    const viaToken = await failure(new SearchClient(double.url, "hr-index", badToken, options()).search("x"));
    assert.equal(viaToken.statusCode, 403);
    assert.equal(viaToken.message, "Authorization failed.");
  });

  it("a bearer token (TokenCredential) is accepted", async () => {
    const result = await new SearchClient<Doc>(double.url, "hr-index", TOKEN, options()).search("vacation", {
      top: 1,
    });
    assert.ok(result.results);
    assert.equal(double.requests[0]?.headers.authorization, "Bearer test-search-token");
    assert.equal(double.requests[0]?.headers["api-key"], undefined);
    assert.deepEqual(double.violations, []);
  });

  it("404: a missing index answers the service's text", async () => {
    const missing = await failure(new SearchIndexClient(double.url, KEY, options()).getIndex("nope"));
    assert.equal(missing.name, "RestError");
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.message, "The index 'nope' for service 'search-double' was not found.");
    double.failNext("search", { status: 404 });
    const injected = await failure(hr().search("x"));
    assert.equal(injected.message, "The index 'hr-index' for service 'search-double' was not found.");
    assert.deepEqual(double.violations, []);
  });

  it("429/503 carry Retry-After; retryOptions.maxRetries 0 really disables the SDK's retries", async () => {
    double.failNext("search", { status: 429, retryAfterMs: 20, times: 2 });
    const throttled = await failure(hr().search("vacation"));
    assert.equal(throttled.statusCode, 429);
    assert.equal(throttled.message, THROTTLED_MESSAGE);
    assert.equal(throttled.response?.headers.get("retry-after-ms"), "20");
    assert.equal(throttled.response?.headers.get("retry-after"), "1");
    assert.equal(double.requests.length, 1, "no retry");
    double.reset();
    double.failNext("search", { status: 429, retryAfterMs: 20, times: 2 });
    const defaults = new SearchClient<Doc>(double.url, "hr-index", KEY, { tlsOptions: { ca: double.ca } });
    await defaults.search("vacation");
    assert.equal(double.requests.length, 3, "the default policy retried twice after Retry-After");
    double.reset();
    double.failNext("retrieve", { status: 503, retryAfterMs: 10 });
    const unavailable = await failure(kb().retrieve({ intents: [{ type: "semantic", search: "x" }] }));
    assert.equal(unavailable.statusCode, 503);
    assert.equal(double.requests.length, 1);
  });

  it("400: a malformed filter answers the OData error; unsupported OData is a violation", async () => {
    const bad = await failure(hr().search("vacation", { filter: "title eq" }));
    assert.equal(bad.name, "RestError");
    assert.equal(bad.statusCode, 400);
    assert.equal(
      bad.message,
      "Invalid expression: Syntax error at position 8 in 'title eq'.\r\nParameter name: $filter",
    );
    const unknownField = await failure(hr().search("vacation", { filter: "author eq 'x'" }));
    assert.match(unknownField.message, /Could not find a property named 'author'/);
    assert.deepEqual(double.violations, []);
    const unsupported = await failure(hr().search("vacation", { filter: "title gt 'a'" }));
    assert.equal(unsupported.statusCode, 400);
    assert.match(double.violations[0] ?? "", /unsupported by the double: the \$filter operator 'gt'/);
  });

  it("requests the service rejects: another api-version, unknown properties", async () => {
    const oldVersion = await raw("/indexes('hr-index')/docs/search.post.search?api-version=2024-07-01", {
      search: "x",
    });
    assert.equal(oldVersion.status, 400);
    assert.equal(
      JSON.parse(oldVersion.body).error.message,
      "Invalid or missing api-version query string parameter.",
    );
    const unknown = await raw("/indexes('hr-index')/docs/search.post.search?api-version=2026-04-01", {
      search: "x",
      queryLanguage: "en-us",
    });
    assert.equal(unknown.status, 400);
    assert.deepEqual(double.violations, [
      "search: api-version '2024-07-01' (expected 2026-04-01)",
      "search: unknown SearchRequest property 'queryLanguage'",
    ]);
  });

  it("TLS: the CA option works, a client without it fails on the certificate", async () => {
    const untrusted = new SearchClient(double.url, "hr-index", KEY, { retryOptions: { maxRetries: 0 } });
    const error = await failure(untrusted.search("vacation"));
    assert.match(`${error.code} ${error.message}`, /self[-_ ]signed/i);
    assert.equal(double.requests.length, 0);
  });

  it("hangNext never answers (the client's abort ends it); latency delays answers", async () => {
    double.hangNext("search");
    const hung = await failure(hr().search("vacation", { abortSignal: AbortSignal.timeout(200) }));
    assert.equal(hung.name, "AbortError");
    assert.equal(double.requests.length, 1);
    double.setLatency(100);
    const started = Date.now();
    await hr().search("vacation");
    assert.ok(Date.now() - started >= 100);
  });

  it("answers use only keys of the official examples", async (t) => {
    if (!examplesAvailable())
      return t.skip("official examples not found (set SPECS_DIR or add ../shared/specs)");
    const bodies: Record<"getIndex" | "search" | "retrieve", unknown> = {
      getIndex: undefined,
      search: undefined,
      retrieve: undefined,
    };
    await new SearchIndexClient(double.url, KEY, options()).getIndex("hr-index", {
      onResponse: (r) => (bodies.getIndex = r.parsedBody),
    });
    await hr().search("vacation days", {
      queryType: "semantic",
      includeTotalCount: true,
      highlightFields: "chunk",
      semanticSearchOptions: {
        captions: { captionType: "extractive" },
        answers: { answerType: "extractive", threshold: 0.1 },
      },
      vectorSearchOptions: { queries: [{ kind: "text", text: "vacation days", fields: ["text_vector"] }] },
      onResponse: (r) => (bodies.search = r.parsedBody),
    });
    await kb().retrieve(
      {
        intents: [{ type: "semantic", search: "vacation days" }],
        includeActivity: true,
        knowledgeSourceParams: [
          {
            kind: "searchIndex",
            knowledgeSourceName: "hr-knowledge-source",
            includeReferenceSourceData: true,
            filterAddOn: "title ne 'x'",
          },
        ],
      },
      { onResponse: (r) => (bodies.retrieve = r.parsedBody) },
    );
    for (const operation of ["getIndex", "search", "retrieve"] as const) {
      assert.deepEqual(unexpectedResponseKeys(operation, bodies[operation]), [], operation);
    }
    assert.ok(((bodies.search as Doc)["@search.answers"] as unknown[]).length > 0);
    assert.deepEqual(double.violations, []);
  });
});

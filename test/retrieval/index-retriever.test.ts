// The bot's own index search over HTTPS through the real @azure/search-documents client, against the
// Azure AI Search double: each query kind's request body, field mapping on two index shapes, the
// bot's embeddings through the Azure OpenAI double, thresholds, and every failure kind.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { SearchIndexSource, SearchQueryType } from "../../src/datasources/index.js";
import { isBotError } from "../../src/errors.js";
import { createLlmClient } from "../../src/llm/client.js";
import { silentLogger } from "../../src/log.js";
import { IndexRetriever } from "../../src/retrieval/index-retriever.js";
import { type AzureOpenAIDouble, DEFAULT_API_KEY, startAzureOpenAIDouble } from "../doubles/azure-openai.js";
import {
  type AzureSearchDouble,
  HR_INDEX,
  HR_INDEX_NAME,
  PRODUCT_INDEX,
  PRODUCT_INDEX_NAME,
  startAzureSearchDouble,
} from "../doubles/azure-search/index.js";

const SEARCH_KEY = "test-search-key";

describe("IndexRetriever against the search double", { timeout: 30_000 }, () => {
  let search: AzureSearchDouble;
  let llm: AzureOpenAIDouble;
  before(async () => {
    search = await startAzureSearchDouble({ indexes: [HR_INDEX, PRODUCT_INDEX] });
    llm = await startAzureOpenAIDouble();
  });
  after(async () => {
    await search.close();
    await llm.close();
  });
  beforeEach(() => {
    search.reset();
    llm.reset();
  });

  const client = () =>
    createLlmClient({
      kind: "azure-deployment",
      endpoint: llm.url,
      apiKey: DEFAULT_API_KEY,
      apiVersion: "2024-10-21",
      tokenScope: "x",
      timeoutMs: 5_000,
      maxRateLimitRetries: 0,
      maxRetryWaitMs: 0,
    });
  const source = (queryType: SearchQueryType, extra: Partial<SearchIndexSource> = {}): SearchIndexSource => ({
    mode: "search",
    endpoint: search.url,
    index: HR_INDEX_NAME,
    auth: { kind: "api-key", key: SEARCH_KEY },
    queryType,
    top: 3,
    fields: {},
    inScope: true,
    ...extra,
  });
  const retriever = (s: SearchIndexSource, timeoutMs = 5_000) =>
    new IndexRetriever("hr", s, { llm: client(), logger: silentLogger, timeoutMs, ca: search.ca });
  const searches = () => search.requests.filter((r) => r.operation === "search");
  const body = (i = 0) => searches()[i]?.body as Record<string, unknown>;
  const signal = () => new AbortController().signal;

  it("simple: maps the wizard's index, searches the mapped fields, returns passages best first", async () => {
    const r = retriever(source("simple", { filter: "title eq 'Contractor-Guidelines.pdf'" }));
    const { passages, embeddingTokens } = await r.retrieve("contractors vacation", signal());
    assert.equal(search.requests[0]?.operation, "getIndex", "the definition is read first");
    assert.deepEqual(body(), {
      search: "contractors vacation",
      top: 3,
      filter: "title eq 'Contractor-Guidelines.pdf'",
      select: "chunk_id,chunk,title",
      queryType: "simple",
    });
    assert.equal(passages.length, 1);
    assert.match(passages[0]?.content ?? "", /^Contractors and vacation/);
    assert.equal(passages[0]?.title, "Contractor-Guidelines.pdf");
    assert.match(passages[0]?.id ?? "", /^a7d05c3e91b2_/);
    assert.equal(embeddingTokens, 0);

    await r.retrieve("parental leave", signal());
    assert.equal(
      search.requests.filter((q) => q.operation === "getIndex").length,
      1,
      "the mapping is cached",
    );
    assert.deepEqual(search.violations, []);
  });

  it("full, semantic, vector through the vectorizer, and semantic hybrid: the request body of each", async () => {
    await retriever(source("full")).retrieve("vacation AND contractors", signal());
    assert.equal(body(0).queryType, "full");

    const semantic = await retriever(source("semantic")).retrieve("how many vacation days", signal());
    assert.deepEqual(
      { ...body(1), select: undefined },
      {
        search: "how many vacation days",
        top: 3,
        select: undefined,
        queryType: "semantic",
        semanticConfiguration: "hr-semantic",
        captions: "extractive",
        answers: "extractive|count-3",
        semanticErrorHandling: "partial",
      },
    );
    assert.ok(semantic.passages[0]?.caption, "captions become the excerpts");

    await retriever(source("vector")).retrieve("parental leave", signal());
    assert.equal(body(2).search, undefined, "no keyword part");
    assert.deepEqual(body(2).vectorQueries, [
      { kind: "text", text: "parental leave", fields: "text_vector", k: 3 },
    ]);

    await retriever(source("vector_semantic_hybrid")).retrieve("parental leave", signal());
    assert.equal(body(3).search, "parental leave");
    assert.equal(body(3).queryType, "semantic");
    assert.equal((body(3).vectorQueries as unknown[]).length, 1);
    assert.deepEqual(search.violations, []);
  });

  it("a second index shape: joins two content fields, url and file path, the bot's own embeddings", async () => {
    const r = retriever(
      source("vector_simple_hybrid", {
        index: PRODUCT_INDEX_NAME,
        embeddingDeployment: "text-embedding-3-small",
      }),
    );
    const { passages, embeddingTokens } = await r.retrieve("router warranty", signal());
    const embedding = llm.requests.find((q) => q.operation === "embeddings");
    assert.equal(embedding?.model, "text-embedding-3-small");
    assert.deepEqual((embedding?.body as { input?: unknown } | undefined)?.input, ["router warranty"]);
    assert.deepEqual(llm.specViolations, []);
    const vectorQuery = (
      body().vectorQueries as Array<{ kind: string; fields: string; vector: number[] }>
    )[0];
    assert.equal(vectorQuery?.kind, "vector");
    assert.equal(vectorQuery?.fields, "contentVector");
    assert.equal(vectorQuery?.vector.length, 64);
    assert.equal(body().select, "id,description,body,name,link,path");
    assert.equal(passages[0]?.title, "Contoso Router X200");
    assert.equal(passages[0]?.url, "https://www.contoso.example/products/router-x200");
    assert.equal(passages[0]?.filepath, "/catalog/networking/router-x200.md");
    assert.match(passages[0]?.content ?? "", /^Dual-band Wi-Fi 6 router.*\nThe X200 covers/s);
    assert.ok(embeddingTokens > 0);
    assert.deepEqual(search.violations, []);
  });

  it("a vector query on an index without a vectorizer and no embeddings deployment says what to set", async () => {
    await assert.rejects(
      retriever(source("vector", { index: PRODUCT_INDEX_NAME })).retrieve("router", signal()),
      (err) =>
        isBotError(err, "datasource_error") &&
        err.details.kind === "invalid" &&
        /AZURE_OPENAI_EMBEDDING_DEPLOYMENT/.test(err.details.hint ?? ""),
    );
  });

  it("leaves out passages under the score thresholds", async () => {
    const all = await retriever(source("semantic", { top: 6 })).retrieve("vacation days", signal());
    const strict = await retriever(source("semantic", { top: 6, minRerankerScore: 3.5 })).retrieve(
      "vacation days",
      signal(),
    );
    assert.ok(
      strict.passages.length < all.passages.length,
      `${strict.passages.length} < ${all.passages.length}`,
    );
  });

  it("maps fields from the documents when the key may not read the index definition", async () => {
    search.failNext("getIndex", { status: 403, message: "Authorization failed." });
    const { passages } = await retriever(source("simple")).retrieve("expenses", signal());
    assert.match(passages[0]?.content ?? "", /^Expense reports/);
    assert.equal(passages[0]?.title, "Travel-and-Expense-Policy.pdf");
  });

  const failures = [
    { name: "a wrong key (403, empty body)", key: "wrong-key", fail: undefined, kind: "refused" },
    {
      name: "a missing role (403)",
      fail: { status: 403, message: "Authorization failed." },
      kind: "refused",
    },
    { name: "a missing index (404)", index: "nope", kind: "missing" },
    { name: "throttling (429)", fail: { status: 429 }, kind: "throttled" },
    { name: "throttling (503)", fail: { status: 503 }, kind: "throttled" },
    { name: "a bad filter (400)", filter: "title eq", kind: "invalid" },
  ] as const;
  for (const f of failures) {
    it(`fails with kind ${f.kind} on ${f.name}`, async () => {
      if ("fail" in f && f.fail) search.failNext("search", f.fail);
      const s = source("simple", {
        ...("key" in f ? { auth: { kind: "api-key", key: f.key } } : {}),
        ...("index" in f ? { index: f.index } : {}),
        ...("filter" in f ? { filter: f.filter } : {}),
      });
      await assert.rejects(
        retriever(s).retrieve("vacation", signal()),
        (err) => isBotError(err, "datasource_error") && err.details.kind === f.kind,
      );
    });
  }

  it("signs in with the bot's own Entra ID identity when there is no key (scope search.azure.com)", async () => {
    const scopes: string[] = [];
    const credential = {
      async getToken(scope: string | string[]) {
        scopes.push(...(Array.isArray(scope) ? scope : [scope]));
        return { token: "test-search-token", expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const r = new IndexRetriever("hr", source("simple", { auth: { kind: "entra-id" } }), {
      llm: client(),
      logger: silentLogger,
      timeoutMs: 5_000,
      ca: search.ca,
      credential,
    });
    const { passages } = await r.retrieve("vacation", signal());
    assert.ok(passages.length > 0);
    assert.deepEqual([...new Set(scopes)], ["https://search.azure.com/.default"]);
    assert.equal(searches()[0]?.headers.authorization, "Bearer test-search-token");
    assert.equal(searches()[0]?.headers["api-key"], undefined);
  });

  it("gives up on a search that does not answer within the timeout", async () => {
    const r = retriever(source("simple"), 300);
    await r.retrieve("warm up", signal()); // the definition is read and cached
    search.hangNext("search");
    const started = Date.now();
    await assert.rejects(
      r.retrieve("vacation", signal()),
      (err) => isBotError(err, "datasource_error") && err.details.kind === "timeout",
    );
    assert.ok(Date.now() - started < 3_000);
  });
});

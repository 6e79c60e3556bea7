// Retrieval through a knowledge base's retrieve action (GA 2026-04-01) with the real SDK client.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { KnowledgeBaseSource } from "../../src/datasources/index.js";
import { isBotError } from "../../src/errors.js";
import { KnowledgeBaseRetriever } from "../../src/retrieval/knowledge-base-retriever.js";
import {
  type AzureSearchDouble,
  HR_INDEX,
  HR_KNOWLEDGE_BASE,
  startAzureSearchDouble,
} from "../doubles/azure-search/index.js";

describe("KnowledgeBaseRetriever against the search double", { timeout: 30_000 }, () => {
  let search: AzureSearchDouble;
  before(async () => {
    search = await startAzureSearchDouble({ indexes: [HR_INDEX], knowledgeBases: [HR_KNOWLEDGE_BASE] });
  });
  after(() => search.close());
  beforeEach(() => search.reset());

  const source = (extra: Partial<KnowledgeBaseSource> = {}): KnowledgeBaseSource => ({
    mode: "knowledge_base",
    endpoint: search.url,
    knowledgeBase: HR_KNOWLEDGE_BASE.name,
    auth: { kind: "api-key", key: "test-search-key" },
    top: 3,
    inScope: true,
    ...extra,
  });
  const retriever = (s = source()) =>
    new KnowledgeBaseRetriever("hr-kb", s, { timeoutMs: 5_000, ca: search.ca });

  it("sends the query as one semantic intent and turns the extracted content into passages", async () => {
    const { passages } = await retriever().retrieve(
      "vacation days for contractors",
      new AbortController().signal,
    );
    const request = search.requests.find((r) => r.operation === "retrieve");
    assert.deepEqual((request?.body as { intents?: unknown } | undefined)?.intents, [
      { type: "semantic", search: "vacation days for contractors" },
    ]);
    assert.ok(passages.length > 0 && passages.length <= 3);
    assert.ok(passages.some((p) => /Contractors and vacation/.test(p.content)));
    assert.ok(
      passages.every((p) => p.id !== "response" && p.title),
      "each passage has its document and title",
    );
    assert.deepEqual(search.violations, []);
  });

  it("a missing knowledge base and a refused key are data source errors with their kind", async () => {
    await assert.rejects(
      retriever(source({ knowledgeBase: "nope" })).retrieve("q", new AbortController().signal),
      (err) => isBotError(err, "datasource_error") && err.details.kind === "missing",
    );
    await assert.rejects(
      retriever(source({ auth: { kind: "api-key", key: "wrong" } })).retrieve(
        "q",
        new AbortController().signal,
      ),
      (err) => isBotError(err, "datasource_error") && err.details.kind === "refused",
    );
  });
});

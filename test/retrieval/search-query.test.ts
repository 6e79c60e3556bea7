// The search request for each query kind (what the SDK turns into the REST body; the end-to-end
// tests check the body on the wire).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SearchIndexSource, SearchQueryType } from "../../src/datasources/index.js";
import { isBotError } from "../../src/errors.js";
import type { FieldMapping } from "../../src/retrieval/field-mapping.js";
import { buildSearchRequest, needsEmbedding } from "../../src/retrieval/search-query.js";

const mapping: FieldMapping = {
  key: "chunk_id",
  contentFields: ["chunk"],
  titleField: "title",
  urlField: "url",
  chunkIdField: "chunk_id",
  vectorFields: ["text_vector"],
  vectorizedFields: ["text_vector"],
  semanticConfiguration: "hr-semantic",
};
const source = (queryType: SearchQueryType, extra: Partial<SearchIndexSource> = {}): SearchIndexSource => ({
  mode: "search",
  endpoint: "https://s.search.windows.net",
  index: "hr",
  auth: { kind: "entra-id" },
  queryType,
  top: 5,
  fields: {},
  inScope: true,
  ...extra,
});

describe("buildSearchRequest", () => {
  it("simple and full: keyword search of the mapped fields only", () => {
    for (const kind of ["simple", "full"] as const) {
      assert.deepEqual(
        buildSearchRequest("vacation days", source(kind, { filter: "dept eq 'hr'" }), mapping),
        {
          searchText: "vacation days",
          options: {
            top: 5,
            filter: "dept eq 'hr'",
            select: ["chunk_id", "chunk", "title", "url"],
            queryType: kind,
          },
        },
      );
    }
  });

  it("semantic: the index's configuration, extractive captions and answers, the plain ranking if it fails", () => {
    const { options } = buildSearchRequest("q", source("semantic"), mapping);
    assert.equal(options.queryType, "semantic");
    assert.deepEqual("semanticSearchOptions" in options && options.semanticSearchOptions, {
      configurationName: "hr-semantic",
      captions: { captionType: "extractive" },
      answers: { answerType: "extractive", count: 3 },
      errorMode: "partial",
    });
  });

  it("vector through the index's vectorizer: a text vector query and no keyword part", () => {
    const request = buildSearchRequest("q", source("vector"), mapping);
    assert.equal(request.searchText, undefined);
    assert.deepEqual(request.options.vectorSearchOptions, {
      queries: [{ kind: "text", text: "q", fields: ["text_vector"], kNearestNeighborsCount: 5 }],
    });
  });

  it("vector with the bot's embedding, and the hybrids", () => {
    const embedded = source("vector_simple_hybrid", { embeddingDeployment: "ada" });
    assert.equal(needsEmbedding(embedded), true);
    const request = buildSearchRequest("q", embedded, mapping, [0.6, 0.8]);
    assert.equal(request.searchText, "q");
    assert.deepEqual(request.options.vectorSearchOptions?.queries, [
      { kind: "vector", vector: [0.6, 0.8], fields: ["text_vector"], kNearestNeighborsCount: 5 },
    ]);
    const semanticHybrid = buildSearchRequest("q", source("vector_semantic_hybrid"), mapping);
    assert.equal(semanticHybrid.options.queryType, "semantic");
    assert.equal(semanticHybrid.options.vectorSearchOptions?.queries[0]?.kind, "text");
    assert.equal(needsEmbedding(source("semantic", { embeddingDeployment: "ada" })), false);
  });

  it("a select of the source's own wins", () => {
    assert.deepEqual(
      buildSearchRequest("q", source("simple", { select: ["a", "b"] }), mapping).options.select,
      ["a", "b"],
    );
  });

  it("says what to set when the index cannot serve the query kind", () => {
    const bare: FieldMapping = {
      ...mapping,
      vectorizedFields: [],
      vectorFields: [],
      semanticConfiguration: undefined,
    };
    for (const kind of ["semantic", "vector"] as const) {
      assert.throws(
        () => buildSearchRequest("q", source(kind), bare),
        (err) =>
          isBotError(err, "datasource_error") &&
          err.details.kind === "invalid" &&
          /AZURE_SEARCH_/.test(err.details.hint ?? ""),
      );
    }
  });
});

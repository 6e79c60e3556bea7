// Data sources the bot searches itself: AZURE_SEARCH_MODE search (the default) and knowledge_base,
// from variables and from DATA_SOURCES_FILE, with problems that name the variable or the field.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  DataSourceConfigError,
  type DataSourceDefinition,
  loadDataSources,
} from "../../src/datasources/load.js";
import { scrub } from "../../src/redact.js";

const ENDPOINT = "https://my-search.search.windows.net";
type Env = Record<string, string | undefined>;

function loaded(env: Env): { sources: DataSourceDefinition[]; warnings: string[] } {
  const warnings: string[] = [];
  return { sources: loadDataSources(env, "2024-10-21", { warn: (w) => warnings.push(w) }), warnings };
}
function problemsOf(env: Env): string[] {
  try {
    loadDataSources(env, "2024-10-21");
  } catch (err) {
    assert.ok(err instanceof DataSourceConfigError);
    return err.problems;
  }
  assert.fail("expected a DataSourceConfigError");
}
function file(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), "search-sources-")), "sources.json");
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe("AZURE_SEARCH_* in search mode (the default)", () => {
  test("endpoint + index: the bot searches with its own identity, simple queries, top 5, in scope", () => {
    const { sources, warnings } = loaded({ AZURE_SEARCH_ENDPOINT: ENDPOINT, AZURE_SEARCH_INDEX: "hr-docs" });
    assert.deepEqual(sources, [
      {
        name: "hr-docs",
        mode: "search",
        fallbackWithoutDataSource: false,
        search: {
          mode: "search",
          endpoint: ENDPOINT,
          index: "hr-docs",
          auth: { kind: "entra-id" },
          queryType: "simple",
          semanticConfiguration: undefined,
          top: 5,
          filter: undefined,
          select: undefined,
          minRerankerScore: undefined,
          minScore: undefined,
          fields: {
            contentFields: undefined,
            titleField: undefined,
            urlField: undefined,
            filepathField: undefined,
            chunkIdField: undefined,
            vectorFields: undefined,
          },
          embeddingDeployment: undefined,
          inScope: true,
        },
      },
    ]);
    assert.deepEqual(warnings, [], "no deprecation warning: this is not On Your Data");
  });

  test("every option, and the key registered for redaction", () => {
    const key = "search-query-key-0123456789abcdef";
    const [source] = loaded({
      AZURE_SEARCH_ENDPOINT: ENDPOINT,
      AZURE_SEARCH_INDEX: "hr-docs",
      AZURE_SEARCH_API_KEY: key,
      AZURE_SEARCH_SOURCE_NAME: "HR",
      AZURE_SEARCH_QUERY_TYPE: "vector_semantic_hybrid",
      AZURE_SEARCH_SEMANTIC_CONFIGURATION: "hr-semantic",
      AZURE_SEARCH_TOP_N_DOCUMENTS: "8",
      AZURE_SEARCH_FILTER: "department eq 'hr'",
      AZURE_SEARCH_SELECT: "id, chunk, title",
      AZURE_SEARCH_MIN_RERANKER_SCORE: "1.5",
      AZURE_SEARCH_MIN_SCORE: "0.01",
      AZURE_SEARCH_IN_SCOPE: "false",
      AZURE_SEARCH_CONTENT_FIELDS: "chunk,summary",
      AZURE_SEARCH_TITLE_FIELD: "title",
      AZURE_SEARCH_URL_FIELD: "link",
      AZURE_SEARCH_FILEPATH_FIELD: "path",
      AZURE_SEARCH_CHUNK_ID_FIELD: "chunk_id",
      AZURE_SEARCH_VECTOR_FIELDS: "text_vector",
      AZURE_OPENAI_EMBEDDING_DEPLOYMENT: "text-embedding-3-small",
      AZURE_SEARCH_FALLBACK_WITHOUT_DATA_SOURCE: "true",
    }).sources;
    assert.equal(source?.name, "HR");
    assert.equal(source?.fallbackWithoutDataSource, true);
    assert.ok(source?.mode === "search" && source.search.mode === "search");
    const s = source.search;
    assert.deepEqual(s.auth, { kind: "api-key", key });
    assert.equal(s.queryType, "vector_semantic_hybrid");
    assert.equal(s.semanticConfiguration, "hr-semantic");
    assert.equal(s.top, 8);
    assert.deepEqual(s.select, ["id", "chunk", "title"]);
    assert.equal(s.minRerankerScore, 1.5);
    assert.equal(s.minScore, 0.01);
    assert.equal(s.inScope, false);
    assert.deepEqual(s.fields, {
      contentFields: ["chunk", "summary"],
      titleField: "title",
      urlField: "link",
      filepathField: "path",
      chunkIdField: "chunk_id",
      vectorFields: ["text_vector"],
    });
    assert.equal(s.embeddingDeployment, "text-embedding-3-small");
    assert.equal(scrub(`key=${key}`).includes(key), false);
  });

  test("On Your Data leftovers are explained, not fatal", () => {
    const { warnings } = loaded({
      AZURE_SEARCH_ENDPOINT: ENDPOINT,
      AZURE_SEARCH_INDEX: "hr-docs",
      AZURE_SEARCH_STRICTNESS: "3",
      AZURE_SEARCH_MANAGED_IDENTITY_RESOURCE_ID: "/subscriptions/x/resourceGroups/y/providers/z",
    });
    assert.ok(warnings.some((w) => /AZURE_SEARCH_STRICTNESS .*AZURE_SEARCH_MIN_RERANKER_SCORE/.test(w)));
    assert.ok(
      warnings.some((w) => /AZURE_SEARCH_MANAGED_IDENTITY_RESOURCE_ID is ignored .*AZURE_CLIENT_ID/.test(w)),
    );
  });

  for (const [name, env, expected] of [
    [
      "a query type it does not know",
      { AZURE_SEARCH_QUERY_TYPE: "hybrid" },
      /^AZURE_SEARCH_QUERY_TYPE must be one of: simple, full, semantic, vector, vector_simple_hybrid, vector_semantic_hybrid$/,
    ],
    [
      "top out of range",
      { AZURE_SEARCH_TOP_N_DOCUMENTS: "500" },
      /^AZURE_SEARCH_TOP_N_DOCUMENTS must be a whole number from 1 to 50$/,
    ],
    [
      "a reranker score above 4",
      { AZURE_SEARCH_MIN_RERANKER_SCORE: "5" },
      /^AZURE_SEARCH_MIN_RERANKER_SCORE must be a number from 0 to 4$/,
    ],
    [
      "in scope not a boolean",
      { AZURE_SEARCH_IN_SCOPE: "maybe" },
      /^AZURE_SEARCH_IN_SCOPE must be true or false$/,
    ],
    [
      "an http endpoint",
      { AZURE_SEARCH_ENDPOINT: "http://my-search.search.windows.net" },
      /^AZURE_SEARCH_ENDPOINT must be an https URL/,
    ],
    [
      "a mode it does not know",
      { AZURE_SEARCH_MODE: "agentic" },
      /^AZURE_SEARCH_MODE must be one of: search, knowledge_base, on_your_data \(got "agentic"\)$/,
    ],
  ] as const) {
    test(`error: ${name}`, () => {
      const problems = problemsOf({ AZURE_SEARCH_ENDPOINT: ENDPOINT, AZURE_SEARCH_INDEX: "hr-docs", ...env });
      assert.ok(
        problems.some((p) => expected.test(p)),
        problems.join("\n"),
      );
    });
  }

  test("error: an option without endpoint and index names both", () => {
    assert.match(
      problemsOf({ AZURE_SEARCH_MIN_SCORE: "1" }).join("\n"),
      /AZURE_SEARCH_MIN_SCORE is set but AZURE_SEARCH_ENDPOINT and AZURE_SEARCH_INDEX are not/,
    );
  });
});

describe("AZURE_SEARCH_MODE=knowledge_base", () => {
  test("endpoint + knowledge base, named after it", () => {
    const { sources } = loaded({
      AZURE_SEARCH_MODE: "knowledge_base",
      AZURE_SEARCH_ENDPOINT: ENDPOINT,
      AZURE_SEARCH_KNOWLEDGE_BASE: "policies",
      AZURE_SEARCH_TOP_N_DOCUMENTS: "3",
    });
    assert.deepEqual(sources, [
      {
        name: "policies",
        mode: "knowledge_base",
        fallbackWithoutDataSource: false,
        search: {
          mode: "knowledge_base",
          endpoint: ENDPOINT,
          knowledgeBase: "policies",
          auth: { kind: "entra-id" },
          top: 3,
          inScope: true,
        },
      },
    ]);
  });

  test("error: the knowledge base name is required", () => {
    assert.match(
      problemsOf({ AZURE_SEARCH_MODE: "knowledge_base", AZURE_SEARCH_ENDPOINT: ENDPOINT }).join("\n"),
      /^AZURE_SEARCH_KNOWLEDGE_BASE is required with AZURE_SEARCH_MODE=knowledge_base/,
    );
  });
});

describe("DATA_SOURCES_FILE entries choose their mode", () => {
  test("search, knowledge_base and on_your_data side by side; the mode defaults to AZURE_SEARCH_MODE", () => {
    const path = file({
      docs: {
        type: "azure_search",
        parameters: {
          endpoint: ENDPOINT,
          index_name: "docs",
          authentication: { type: "api_key", key: "file-key-abcdef0123456789" },
          query_type: "semantic",
          fields_mapping: { content_fields: ["body"], title_field: "name" },
        },
      },
      kb: {
        mode: "knowledge_base",
        type: "azure_search",
        parameters: { endpoint: ENDPOINT, knowledge_base_name: "kb" },
      },
      legacy: {
        mode: "on_your_data",
        type: "azure_search",
        parameters: {
          endpoint: ENDPOINT,
          index_name: "old",
          authentication: { type: "system_assigned_managed_identity" },
        },
      },
    });
    const { sources, warnings } = loaded({ DATA_SOURCES_FILE: path });
    assert.deepEqual(
      sources.map((s) => [s.name, s.mode]),
      [
        ["docs", "search"],
        ["kb", "knowledge_base"],
        ["legacy", "on_your_data"],
      ],
    );
    const docs = sources[0];
    assert.ok(docs?.mode === "search" && docs.search.mode === "search");
    assert.deepEqual(docs.search.fields.contentFields, ["body"]);
    assert.equal(docs.search.fields.titleField, "name");
    assert.match(warnings[0] ?? "", /On Your Data .* deprecated .*\(legacy\)$/);
    assert.equal(scrub("file-key-abcdef0123456789").includes("file-key"), false);
  });

  test("an On Your Data entry moves over by changing its mode (strictness and role_information explained)", () => {
    const path = file({
      wiki: {
        mode: "search",
        type: "azure_search",
        parameters: {
          endpoint: ENDPOINT,
          index_name: "wiki",
          authentication: { type: "system_assigned_managed_identity" },
          query_type: "vector_semantic_hybrid",
          semantic_configuration: "default",
          embedding_dependency: { type: "deployment_name", deployment_name: "ada" },
          strictness: 3,
          role_information: "You are helpful.",
          top_n_documents: 5,
          in_scope: true,
        },
      },
    });
    const { sources, warnings } = loaded({ DATA_SOURCES_FILE: path });
    const wiki = sources[0];
    assert.ok(wiki?.mode === "search" && wiki.search.mode === "search");
    assert.equal(wiki.search.embeddingDeployment, "ada");
    assert.deepEqual(wiki.search.auth, { kind: "entra-id" }, "the bot's identity now");
    assert.ok(warnings.some((w) => /strictness .*min_reranker_score/.test(w)));
    assert.ok(warnings.some((w) => /role_information .*SYSTEM_PROMPT/.test(w)));
  });

  test("errors name the source and the field", () => {
    const path = file({
      a: {
        mode: "search",
        type: "azure_search",
        parameters: { endpoint: ENDPOINT, index_name: "a", top_n_documents: 0, qurey_type: "simple" },
      },
      b: { mode: "knowledge_base", type: "azure_search", parameters: { endpoint: ENDPOINT } },
      c: { mode: "search", type: "azure_cosmos_db", parameters: {} },
      d: { mode: "sometimes", type: "azure_search", parameters: {} },
    });
    const problems = problemsOf({ DATA_SOURCES_FILE: path }).join("\n");
    assert.match(problems, /source "a": parameters: unknown field "qurey_type"/);
    assert.match(problems, /source "a": parameters\.top_n_documents: must be a whole number from 1 to 50/);
    assert.match(problems, /source "b": parameters\.knowledge_base_name: is required/);
    assert.match(problems, /source "c": type must be "azure_search" with mode "search"/);
    assert.match(
      problems,
      /source "d": mode must be one of: search, knowledge_base, on_your_data \(got "sometimes"\)/,
    );
  });
});

// loadDataSources in the legacy On Your Data mode: the AZURE_SEARCH_* source, DATA_SOURCES_FILE, and
// every problem named precisely. (The bot's own search modes: search-sources.test.ts.)
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  DataSourceConfigError,
  type DataSourceDefinition,
  loadDataSources,
  ON_YOUR_DATA_DEPRECATION,
} from "../../src/datasources/load.js";
import { validationModeFor } from "../../src/datasources/validate.js";
import { isBotError } from "../../src/errors.js";
import { scrub } from "../../src/redact.js";

const GA = "2024-10-21";
const ENDPOINT = "https://my-search.search.windows.net";
const IDENTITY_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/oyd";

type Env = Record<string, string | undefined>;

const requestOf = (s: DataSourceDefinition) => (s.mode === "on_your_data" ? s.request : undefined);

/** Every case here is the legacy mode unless it says otherwise. */
const legacy = (env: Env): Env => ({ AZURE_SEARCH_MODE: "on_your_data", ...env });

function problemsOf(env: Env, apiVersion = GA): string[] {
  try {
    loadDataSources(legacy(env), apiVersion);
  } catch (err) {
    assert.ok(err instanceof DataSourceConfigError, `expected DataSourceConfigError, got ${String(err)}`);
    assert.ok(isBotError(err, "config_invalid"));
    for (const problem of err.problems) assert.ok(err.message.includes(problem));
    return err.problems;
  }
  assert.fail("expected a DataSourceConfigError");
}

function file(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "datasources-"));
  const path = join(dir, "sources.json");
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

function loaded(env: Env, apiVersion = GA): { sources: DataSourceDefinition[]; warnings: string[] } {
  const warnings: string[] = [];
  const sources = loadDataSources(legacy(env), apiVersion, { warn: (w) => warnings.push(w) });
  // Said once for every legacy source; its own test is below.
  return { sources, warnings: warnings.filter((w) => !w.startsWith(ON_YOUR_DATA_DEPRECATION)) };
}

const search = (parameters: Record<string, unknown> = {}) => ({
  type: "azure_search",
  parameters: {
    endpoint: ENDPOINT,
    index_name: "hr-docs",
    authentication: { type: "system_assigned_managed_identity" },
    ...parameters,
  },
});

describe("no data sources", () => {
  test("nothing set: an empty list", () => assert.deepEqual(loaded({}).sources, []));
  test("empty values count as unset", () =>
    assert.deepEqual(
      loaded({ AZURE_SEARCH_ENDPOINT: "", AZURE_SEARCH_INDEX: " ", DATA_SOURCES_FILE: "" }).sources,
      [],
    ));
});

test("the start warns once that On Your Data is deprecated, naming its sources", () => {
  const warnings: string[] = [];
  loadDataSources(legacy({ AZURE_SEARCH_ENDPOINT: ENDPOINT, AZURE_SEARCH_INDEX: "hr-docs" }), GA, {
    warn: (w) => warnings.push(w),
  });
  assert.equal(warnings.filter((w) => w.startsWith(ON_YOUR_DATA_DEPRECATION)).length, 1);
  assert.match(warnings[0] ?? "", /GPT-4o-mini \(2024-07-18\).*AZURE_SEARCH_MODE=search.*\(hr-docs\)$/);
});

describe("from AZURE_SEARCH_* variables", () => {
  const base = { AZURE_SEARCH_ENDPOINT: ENDPOINT, AZURE_SEARCH_INDEX: "hr-docs" };
  const vectors: Array<{ name: string; env: Env; source: DataSourceDefinition }> = [
    {
      name: "endpoint + index: system-assigned managed identity, named after the index",
      env: base,
      source: {
        name: "hr-docs",
        mode: "on_your_data",
        request: {
          type: "azure_search",
          parameters: {
            endpoint: ENDPOINT,
            index_name: "hr-docs",
            authentication: { type: "system_assigned_managed_identity" },
          },
        },
        fallbackWithoutDataSource: false,
      },
    },
    {
      name: "API key, a source name, fallback on",
      env: {
        ...base,
        AZURE_SEARCH_API_KEY: "search-admin-key-1234567890",
        AZURE_SEARCH_SOURCE_NAME: "HR",
        AZURE_SEARCH_FALLBACK_WITHOUT_DATA_SOURCE: "true",
      },
      source: {
        name: "HR",
        mode: "on_your_data",
        request: {
          type: "azure_search",
          parameters: {
            endpoint: ENDPOINT,
            index_name: "hr-docs",
            authentication: { type: "api_key", key: "search-admin-key-1234567890" },
          },
        },
        fallbackWithoutDataSource: true,
      },
    },
    {
      name: "user-assigned identity and every optional parameter",
      env: {
        ...base,
        AZURE_SEARCH_MANAGED_IDENTITY_RESOURCE_ID: IDENTITY_ID,
        AZURE_SEARCH_QUERY_TYPE: "vector_semantic_hybrid",
        AZURE_SEARCH_SEMANTIC_CONFIGURATION: "default",
        AZURE_SEARCH_TOP_N_DOCUMENTS: "7",
        AZURE_SEARCH_STRICTNESS: "4",
        AZURE_SEARCH_IN_SCOPE: "false",
        AZURE_SEARCH_FILTER: "department eq 'hr'",
        AZURE_SEARCH_EMBEDDING_DEPLOYMENT: "text-embedding-3-small",
      },
      source: {
        name: "hr-docs",
        mode: "on_your_data",
        request: {
          type: "azure_search",
          parameters: {
            endpoint: ENDPOINT,
            index_name: "hr-docs",
            authentication: {
              type: "user_assigned_managed_identity",
              managed_identity_resource_id: IDENTITY_ID,
            },
            query_type: "vector_semantic_hybrid",
            semantic_configuration: "default",
            top_n_documents: 7,
            strictness: 4,
            in_scope: false,
            filter: "department eq 'hr'",
            embedding_dependency: { type: "deployment_name", deployment_name: "text-embedding-3-small" },
          },
        },
        fallbackWithoutDataSource: false,
      },
    },
  ];
  for (const v of vectors) {
    test(v.name, () => {
      const { sources, warnings } = loaded(v.env);
      assert.deepEqual(sources, [v.source]);
      assert.deepEqual(warnings, []);
    });
  }

  test("the search key is registered for redaction", () => {
    const key = "search-admin-key-abcdef0123456789";
    loaded({ ...base, AZURE_SEARCH_API_KEY: key });
    assert.equal(scrub(`key=${key}`), "key=[redacted]");
  });

  test("a vector query without an embedding deployment is accepted with a warning", () => {
    const { warnings } = loaded({ ...base, AZURE_SEARCH_QUERY_TYPE: "vector" });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? "", /"hr-docs".*query_type "vector".*embedding_dependency/);
  });

  const errors: Array<{ name: string; env: Env; problems: RegExp[] }> = [
    {
      name: "index without endpoint",
      env: { AZURE_SEARCH_INDEX: "x" },
      problems: [/^AZURE_SEARCH_ENDPOINT is required/],
    },
    {
      name: "endpoint without index",
      env: { AZURE_SEARCH_ENDPOINT: ENDPOINT },
      problems: [/^AZURE_SEARCH_INDEX is required/],
    },
    {
      name: "options without endpoint and index",
      env: { AZURE_SEARCH_API_KEY: "k", AZURE_SEARCH_STRICTNESS: "3" },
      problems: [
        /^AZURE_SEARCH_API_KEY, AZURE_SEARCH_STRICTNESS are set but AZURE_SEARCH_ENDPOINT and AZURE_SEARCH_INDEX are not/,
      ],
    },
    {
      name: "endpoint not https",
      env: { ...base, AZURE_SEARCH_ENDPOINT: "http://my-search.search.windows.net" },
      problems: [/^AZURE_SEARCH_ENDPOINT must be an https URL/],
    },
    {
      name: "query type not in the spec: the allowed values are listed",
      env: { ...base, AZURE_SEARCH_QUERY_TYPE: "hybrid" },
      problems: [
        /^AZURE_SEARCH_QUERY_TYPE must be one of: simple, semantic, vector, vector_simple_hybrid, vector_semantic_hybrid \(got "hybrid"\)$/,
      ],
    },
    {
      name: "strictness out of 1-5, top_n not a number, in_scope not a boolean",
      env: {
        ...base,
        AZURE_SEARCH_STRICTNESS: "6",
        AZURE_SEARCH_TOP_N_DOCUMENTS: "five",
        AZURE_SEARCH_IN_SCOPE: "maybe",
      },
      problems: [
        /^AZURE_SEARCH_TOP_N_DOCUMENTS must be a whole number from 1 to 2147483647 \(got "five"\)$/,
        /^AZURE_SEARCH_STRICTNESS must be a whole number from 1 to 5 \(got "6"\)$/,
        /^AZURE_SEARCH_IN_SCOPE must be true or false \(got "maybe"\)$/,
      ],
    },
    {
      name: "a key and an identity at once",
      env: { ...base, AZURE_SEARCH_API_KEY: "k", AZURE_SEARCH_MANAGED_IDENTITY_RESOURCE_ID: IDENTITY_ID },
      problems: [/^set only one of AZURE_SEARCH_API_KEY and AZURE_SEARCH_MANAGED_IDENTITY_RESOURCE_ID$/],
    },
    {
      name: "an identity given as a client id",
      env: { ...base, AZURE_SEARCH_MANAGED_IDENTITY_RESOURCE_ID: "8f4c7f0e-0000-0000-0000-000000000000" },
      problems: [/^AZURE_SEARCH_MANAGED_IDENTITY_RESOURCE_ID must be a resource ID/],
    },
    {
      name: "AZURE_SEARCH_MANAGED_IDENTITY_CLIENT_ID is explained, not ignored",
      env: { ...base, AZURE_SEARCH_MANAGED_IDENTITY_CLIENT_ID: "8f4c7f0e" },
      problems: [
        /^AZURE_SEARCH_MANAGED_IDENTITY_CLIENT_ID is not supported: .*resource ID.*AZURE_SEARCH_MANAGED_IDENTITY_RESOURCE_ID/,
      ],
    },
    {
      name: "AZURE_SEARCH_ACCESS_TOKEN is explained, not ignored",
      env: { ...base, AZURE_SEARCH_ACCESS_TOKEN: "eyJ0" },
      problems: [/^AZURE_SEARCH_ACCESS_TOKEN is not supported: .*expires/],
    },
    {
      name: "a source name with a space, and one that means off",
      env: { ...base, AZURE_SEARCH_SOURCE_NAME: "hr docs" },
      problems: [/^AZURE_SEARCH_SOURCE_NAME: the name "hr docs" must be 1-64 letters/],
    },
    {
      name: "an index name that cannot name a source says which variable to set",
      env: { ...base, AZURE_SEARCH_INDEX: "off" },
      problems: [
        /^AZURE_SEARCH_INDEX \(the default source name; set AZURE_SEARCH_SOURCE_NAME\): "off" cannot name a data source/,
      ],
    },
  ];
  for (const v of errors) {
    test(`error: ${v.name}`, () => {
      const problems = problemsOf(v.env);
      assert.equal(problems.length, v.problems.length, problems.join("\n"));
      for (const [i, pattern] of v.problems.entries()) assert.match(problems[i] ?? "", pattern);
    });
  }

  test("a secret is never echoed in a problem", () => {
    const key = "search-admin-key-never-echoed-42";
    const problems = problemsOf({ AZURE_SEARCH_API_KEY: key, AZURE_SEARCH_INDEX: "x" });
    assert.ok(!problems.join("\n").includes(key));
  });
});

describe("from DATA_SOURCES_FILE", () => {
  test("several sources, in file order, after the env source; fallback read from the entry", () => {
    const path = file({
      policies: {
        ...search({ index_name: "policies", query_type: "semantic", semantic_configuration: "sem" }),
        fallbackWithoutDataSource: true,
      },
      products: {
        type: "azure_cosmos_db",
        parameters: {
          authentication: {
            type: "connection_string",
            connection_string: "mongodb+srv://user:pass-0123456789@c.mongo.cosmos.azure.com",
          },
          database_name: "db",
          container_name: "products",
          index_name: "vector-index",
          fields_mapping: { content_fields: ["text"], vector_fields: ["embedding"] },
          embedding_dependency: { type: "deployment_name", deployment_name: "ada" },
        },
      },
    });
    const { sources, warnings } = loaded({
      AZURE_SEARCH_ENDPOINT: ENDPOINT,
      AZURE_SEARCH_INDEX: "hr-docs",
      DATA_SOURCES_FILE: path,
    });
    assert.deepEqual(
      sources.map((s) => [s.name, requestOf(s)?.type, s.fallbackWithoutDataSource]),
      [
        ["hr-docs", "azure_search", false],
        ["policies", "azure_search", true],
        ["products", "azure_cosmos_db", false],
      ],
    );
    assert.deepEqual(warnings, []);
    assert.equal(scrub("mongodb+srv://user:pass-0123456789@c.mongo.cosmos.azure.com"), "[redacted]");
  });

  const errors: Array<{ name: string; content: unknown; problems: RegExp[] }> = [
    { name: "not JSON", content: "{ nope", problems: [/^DATA_SOURCES_FILE \(.*\): not valid JSON/] },
    { name: "an array", content: [search()], problems: [/must be a JSON object of named sources/] },
    {
      name: "a misspelt parameter: the allowed ones are listed",
      content: { docs: search({ indexName: "x" }) },
      problems: [
        /^DATA_SOURCES_FILE \(.*\): source "docs": parameters: unknown field "indexName"; allowed: authentication, top_n_documents, in_scope, strictness, role_information, endpoint, index_name, fields_mapping, query_type, semantic_configuration, filter, embedding_dependency$/,
      ],
    },
    {
      name: "enum and range errors name the field and the allowed values",
      content: { docs: search({ query_type: "hybrid", strictness: 0, top_n_documents: 2.5 }) },
      problems: [
        /source "docs": parameters\.top_n_documents: must be a whole number \(got 2\.5\)$/,
        /source "docs": parameters\.strictness: must be a whole number from 1 to 5 \(got 0\)$/,
        /source "docs": parameters\.query_type: must be one of: simple, semantic, vector, vector_simple_hybrid, vector_semantic_hybrid \(got "hybrid"\)$/,
      ],
    },
    {
      name: "an authentication type 2024-10-21 does not define",
      content: { docs: search({ authentication: { type: "access_token", access_token: "t" } }) },
      problems: [
        /parameters\.authentication\.type: must be one of: api_key, system_assigned_managed_identity, user_assigned_managed_identity \(got "access_token"\)$/,
      ],
    },
    {
      name: "a data source type 2024-10-21 does not define (pinecone is preview-only)",
      content: { vectors: { type: "pinecone", parameters: {} } },
      problems: [/source "vectors": type: must be one of: azure_search, azure_cosmos_db \(got "pinecone"\)$/],
    },
    {
      name: "missing required fields, nested ones too",
      content: {
        docs: {
          type: "azure_search",
          parameters: { endpoint: "not a url", authentication: { type: "api_key" } },
        },
      },
      problems: [
        /parameters\.authentication\.key: is required \(a string\)$/,
        /parameters\.endpoint: must be an absolute URL such as https:\/\/\.\.\. \(got "not a url"\)$/,
        /parameters\.index_name: is required \(a string\)$/,
      ],
    },
    {
      name: "an unknown entry field and a bad fallback flag",
      content: { docs: { ...search(), fallback: true, fallbackWithoutDataSource: "yes" } },
      problems: [
        /source "docs": unknown field "fallback"; allowed: type, mode, parameters, fallbackWithoutDataSource/,
        /source "docs": fallbackWithoutDataSource must be true or false$/,
      ],
    },
    {
      name: "a wrong key is not echoed",
      content: { docs: search({ authentication: { type: "api_key", key: 12345678901 } }) },
      problems: [/parameters\.authentication\.key: must be a string$/],
    },
  ];
  for (const v of errors) {
    test(`error: ${v.name}`, () => {
      const problems = problemsOf({ DATA_SOURCES_FILE: file(v.content) });
      assert.equal(problems.length, v.problems.length, problems.join("\n"));
      for (const [i, pattern] of v.problems.entries()) assert.match(problems[i] ?? "", pattern);
    });
  }

  test("a missing file", () => {
    const problems = problemsOf({ DATA_SOURCES_FILE: "/nonexistent/sources.json" });
    assert.deepEqual(problems, [
      "DATA_SOURCES_FILE (/nonexistent/sources.json): cannot read the file (ENOENT)",
    ]);
  });

  test("names are unique case-insensitively, across env and file", () => {
    const problems = problemsOf({
      AZURE_SEARCH_ENDPOINT: ENDPOINT,
      AZURE_SEARCH_INDEX: "hr-docs",
      DATA_SOURCES_FILE: file({ "HR-Docs": search() }),
    });
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? "", /"HR-Docs" is used twice .*"hr-docs"/);
  });

  test("role_information is accepted (it is in the spec) with a warning", () => {
    const { sources, warnings } = loaded({
      DATA_SOURCES_FILE: file({ docs: search({ role_information: "Be brief." }) }),
    });
    assert.equal(sources.length, 1);
    assert.match(warnings.join("\n"), /role_information/);
  });
});

describe("api-versions other than 2024-10-21", () => {
  test("the mode", () => {
    assert.equal(validationModeFor("2024-10-21"), "strict");
    for (const v of ["2025-04-01-preview", "2024-06-01", "v1", "preview"])
      assert.equal(validationModeFor(v), "lenient");
  });

  test("newer fields, auth types and source types are sent as written, with warnings", () => {
    const content = {
      docs: search({
        max_search_queries: 3,
        allow_partial_result: true,
        include_contexts: ["citations", "intent", "all_retrieved_documents"],
        authentication: { type: "access_token", access_token: "token" },
      }),
      vectors: { type: "pinecone", parameters: { environment: "env", index_name: "i" } },
    };
    const { sources, warnings } = loaded({ DATA_SOURCES_FILE: file(content) }, "2025-04-01-preview");
    assert.deepEqual(sources.map(requestOf), [content.docs, content.vectors]);
    assert.match(
      warnings[0] ?? "",
      /validated against the 2024-10-21 schema; api-version 2025-04-01-preview may add fields/,
    );
    const text = warnings.join("\n");
    assert.match(
      text,
      /"docs": parameters: "max_search_queries", "allow_partial_result", "include_contexts" are not in the 2024-10-21 schema/,
    );
    assert.match(text, /"docs": parameters\.authentication\.type: "access_token" is not a 2024-10-21 value/);
    assert.match(text, /"vectors": type: "pinecone" is not a 2024-10-21 value/);
  });

  test("known fields are still checked", () => {
    const problems = problemsOf(
      { DATA_SOURCES_FILE: file({ docs: search({ strictness: 9, query_type: "x" }) }) },
      "v1",
    );
    assert.equal(problems.length, 2);
    assert.match(problems.join("\n"), /strictness: must be a whole number from 1 to 5/);
    assert.match(problems.join("\n"), /query_type: must be one of/);
  });

  test("an unknown type still needs parameters", () => {
    const problems = problemsOf({ DATA_SOURCES_FILE: file({ vectors: { type: "pinecone" } }) }, "v1");
    assert.deepEqual(problems.length, 1);
    assert.match(problems[0] ?? "", /source "vectors": parameters: is required \(an object\)$/);
  });
});

// The hand-written zod schemas (src/datasources/schema-2024-10-21.ts) must say exactly what the
// published 2024-10-21 spec says: same data source types, parameter names, required fields, enum
// values, authentication and vectorization options, ranges. Both sides are reduced to one neutral
// description and compared; then the spec's own On Your Data examples must pass our validation.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { z } from "zod";
import { loadDataSources } from "../../src/datasources/load.js";
import {
  AUTHENTICATION_TYPES,
  AzureCosmosDBParameters,
  AzureSearchParameters,
  DATA_SOURCE_TYPES,
  DataSourceConfiguration,
  QUERY_TYPES,
  SPEC_CONFIGURATION_SCHEMA,
  VECTORIZATION_SOURCE_TYPES,
} from "../../src/datasources/schema-2024-10-21.js";
import { validateDataSourceConfiguration } from "../../src/datasources/validate.js";
import { dataSourceSpecErrors } from "../doubles/azure-openai.js";
import { skipWithoutSpecs, specFile, specsAvailable } from "../doubles/specs-dir.js";

const specPath = (...parts: string[]) => specFile("azure-openai", "2024-10-21", ...parts);
type Node = Record<string, unknown>;
/** Nothing to compare with in a fresh clone without the specs: every test here is skipped then. */
const schemas: Record<string, Node> = specsAvailable()
  ? (
      JSON.parse(readFileSync(specPath("inference.json"), "utf8")) as {
        components: { schemas: Record<string, Node> };
      }
    ).components.schemas
  : {};

/** A neutral description both the spec and zod reduce to. */
type Desc =
  | { kind: "object"; props: Record<string, { required: boolean; schema: Desc }> }
  | { kind: "enum"; values: string[] }
  | { kind: "string"; format?: "uri" }
  | { kind: "integer"; min?: number; max?: number }
  | { kind: "boolean" }
  | { kind: "array"; items: Desc }
  | { kind: "union"; discriminator: "type"; options: Record<string, Desc> };

// ---------------------------------------------------------------------------------------------
// Spec → Desc

function deref(node: unknown): Node {
  const n = node as Node;
  if (typeof n.$ref === "string") {
    const name = n.$ref.split("/").at(-1) ?? "";
    const target = schemas[name];
    assert.ok(target, `unresolved ${n.$ref}`);
    return deref(target);
  }
  return n;
}

function fromSpec(node: unknown): Desc {
  const n = deref(node);
  if (Array.isArray(n.oneOf)) return unionFromSpec(n.oneOf.map(deref));
  if (Array.isArray(n.enum)) return { kind: "enum", values: n.enum.map(String) };
  if (n.properties !== undefined || n.allOf !== undefined) return objectFromSpec(n);
  switch (n.type) {
    case "string":
      return n.format === "uri" ? { kind: "string", format: "uri" } : { kind: "string" };
    case "integer": {
      const d: Desc = { kind: "integer" };
      if (typeof n.minimum === "number") d.min = n.minimum;
      if (typeof n.maximum === "number") d.max = n.maximum;
      return d;
    }
    case "boolean":
      return { kind: "boolean" };
    case "array":
      return { kind: "array", items: fromSpec(n.items) };
  }
  assert.fail(`spec node not understood: ${JSON.stringify(n).slice(0, 200)}`);
}

function unionFromSpec(options: Node[]): Desc {
  const out: Record<string, Desc> = {};
  for (const option of options) {
    const value = option["x-ms-discriminator-value"];
    assert.equal(typeof value, "string", "a oneOf option without x-ms-discriminator-value");
    out[value as string] = objectFromSpec(option);
  }
  return { kind: "union", discriminator: "type", options: out };
}

/** allOf parts merged; a discriminated subtype's `type` narrowed to its own value. */
function objectFromSpec(n: Node): Desc {
  const parts = [n, ...((n.allOf as unknown[] | undefined) ?? []).map(deref)];
  const properties: Record<string, unknown> = {};
  const required = new Set<string>();
  for (const part of parts) {
    Object.assign(properties, part.properties ?? {});
    for (const r of (part.required as string[] | undefined) ?? []) required.add(r);
  }
  const props: Record<string, { required: boolean; schema: Desc }> = {};
  for (const [key, value] of Object.entries(properties)) {
    props[key] = { required: required.has(key), schema: fromSpec(value) };
  }
  const own = n["x-ms-discriminator-value"];
  if (typeof own === "string") props.type = { required: true, schema: { kind: "enum", values: [own] } };
  return { kind: "object", props };
}

/** azureChatExtensionConfiguration: the base with a discriminator mapping. */
function dataSourcesFromSpec(): Desc {
  const base = schemas.azureChatExtensionConfiguration as {
    discriminator: { mapping: Record<string, string> };
  };
  return unionFromSpec(Object.values(base.discriminator.mapping).map((ref) => deref({ $ref: ref })));
}

// ---------------------------------------------------------------------------------------------
// zod → Desc

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function fromZod(schema: z.core.$ZodType): Desc {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "object": {
      const props: Record<string, { required: boolean; schema: Desc }> = {};
      for (const [key, child] of Object.entries(def.shape as Record<string, z.core.$ZodType>)) {
        const childDef = child._zod.def as { type: string; innerType?: z.core.$ZodType };
        const optional = childDef.type === "optional";
        props[key] = {
          required: !optional,
          schema: fromZod(optional && childDef.innerType ? childDef.innerType : child),
        };
      }
      return { kind: "object", props };
    }
    case "union": {
      assert.equal(def.discriminator, "type", "every union is discriminated by type");
      const options: Record<string, Desc> = {};
      for (const option of def.options as z.core.$ZodType[]) {
        const described = fromZod(option);
        assert.ok(described.kind === "object");
        const type = described.props.type?.schema;
        assert.ok(type?.kind === "enum" && type.values.length === 1);
        options[type.values[0] as string] = described;
      }
      return { kind: "union", discriminator: "type", options };
    }
    case "literal":
      return { kind: "enum", values: (def.values as unknown[]).map(String) };
    case "enum":
      return { kind: "enum", values: Object.values(def.entries as Record<string, string>) };
    case "string":
      return def.format === "url" ? { kind: "string", format: "uri" } : { kind: "string" };
    case "number": {
      const number = schema as unknown as { minValue: number; maxValue: number; format: string | null };
      assert.equal(number.format, "int32", "integers are int32, as in the spec");
      const d: Desc = { kind: "integer" };
      if (number.minValue !== INT32_MIN) d.min = number.minValue;
      if (number.maxValue !== INT32_MAX) d.max = number.maxValue;
      return d;
    }
    case "boolean":
      return { kind: "boolean" };
    case "array":
      return { kind: "array", items: fromZod(def.element as z.core.$ZodType) };
  }
  assert.fail(`zod type not understood: ${def.type}`);
}

// ---------------------------------------------------------------------------------------------

describe("zod schemas equal the published 2024-10-21 schema", { skip: skipWithoutSpecs() }, () => {
  test("the whole data source configuration, field by field", () => {
    assert.deepEqual(fromZod(DataSourceConfiguration), dataSourcesFromSpec());
  });

  test("the data source types are the spec's (no elasticsearch, pinecone, mongo_db in 2024-10-21)", () => {
    assert.deepEqual([...DATA_SOURCE_TYPES], schemas.azureChatExtensionType?.enum);
    assert.deepEqual(Object.keys(SPEC_CONFIGURATION_SCHEMA), schemas.azureChatExtensionType?.enum);
  });

  for (const [type, zodParameters, specName] of [
    ["azure_search", AzureSearchParameters, "azureSearchChatExtensionParameters"],
    ["azure_cosmos_db", AzureCosmosDBParameters, "azureCosmosDBChatExtensionParameters"],
  ] as const) {
    test(`${type}: parameter names and required fields`, () => {
      const specNode = schemas[specName] as { properties: object; required: string[] };
      assert.deepEqual(Object.keys(zodParameters.shape).sort(), Object.keys(specNode.properties).sort());
      const described = fromZod(zodParameters);
      assert.ok(described.kind === "object");
      const required = Object.entries(described.props)
        .filter(([, p]) => p.required)
        .map(([k]) => k);
      assert.deepEqual(required.sort(), [...specNode.required].sort());
    });
  }

  test("enum values: query types, authentication types, vectorization sources", () => {
    assert.deepEqual([...QUERY_TYPES], schemas.azureSearchQueryType?.enum);
    assert.deepEqual([...AUTHENTICATION_TYPES], schemas.onYourDataAuthenticationType?.enum);
    assert.deepEqual([...VECTORIZATION_SOURCE_TYPES], schemas.onYourDataVectorizationSourceType?.enum);
    const search = fromZod(AzureSearchParameters);
    assert.ok(search.kind === "object");
    assert.deepEqual(search.props.query_type?.schema, {
      kind: "enum",
      values: schemas.azureSearchQueryType?.enum,
    });
    const auth = search.props.authentication?.schema;
    assert.ok(auth?.kind === "union");
    assert.deepEqual(Object.keys(auth.options), [
      "api_key",
      "system_assigned_managed_identity",
      "user_assigned_managed_identity",
    ]);
  });

  test("the double's spec check agrees on every authentication and vectorization option", () => {
    const base = { endpoint: "https://s.search.windows.net", index_name: "i" };
    const auths = [
      { type: "api_key", key: "k" },
      { type: "system_assigned_managed_identity" },
      { type: "user_assigned_managed_identity", managed_identity_resource_id: "/subscriptions/s/x" },
    ];
    const embeddings = [
      { type: "deployment_name", deployment_name: "ada" },
      {
        type: "endpoint",
        endpoint: "https://r.openai.azure.com/embeddings",
        authentication: { type: "api_key", key: "k" },
      },
    ];
    for (const authentication of auths) {
      for (const embedding_dependency of embeddings) {
        const source = {
          type: "azure_search",
          parameters: { ...base, authentication, embedding_dependency },
        };
        assert.deepEqual(validateDataSourceConfiguration(source, "2024-10-21").problems, []);
        assert.deepEqual(dataSourceSpecErrors(source), []);
      }
    }
    const wrong = {
      type: "azure_search",
      parameters: { ...base, authentication: { type: "user_assigned_managed_identity" } },
    };
    assert.notDeepEqual(validateDataSourceConfiguration(wrong, "2024-10-21").problems, []);
    assert.notDeepEqual(dataSourceSpecErrors(wrong), []);
  });

  test("the comparison notices a difference (a spec with one more parameter would fail)", () => {
    const tampered = structuredClone(dataSourcesFromSpec());
    assert.ok(tampered.kind === "union");
    const search = tampered.options.azure_search;
    assert.ok(search?.kind === "object");
    const parameters = search.props.parameters?.schema;
    assert.ok(parameters?.kind === "object");
    parameters.props.max_search_queries = { required: false, schema: { kind: "integer" } };
    assert.notDeepEqual(fromZod(DataSourceConfiguration), tampered);
  });
});

describe("the spec's On Your Data examples", { skip: skipWithoutSpecs() }, () => {
  for (const file of [
    "chat_completions_azure_search_minimum.json",
    "chat_completions_azure_search_advanced.json",
  ]) {
    if (!specsAvailable()) continue;
    const example = JSON.parse(readFileSync(specPath("examples", file), "utf8")) as {
      parameters: { body: { data_sources: unknown[] } };
    };
    const dataSources = example.parameters.body.data_sources;

    test(`${file}: data_sources validate with our schemas`, () => {
      assert.equal(dataSources.length, 1);
      for (const source of dataSources) {
        const result = validateDataSourceConfiguration(source, "2024-10-21");
        assert.deepEqual(result.problems, []);
        assert.deepEqual(result.request, source);
        // and with the spec itself, as the double checks requests
        assert.deepEqual(dataSourceSpecErrors(source), []);
      }
    });

    test(`${file}: loads from a DATA_SOURCES_FILE`, () => {
      const dir = mkdtempSync(join(tmpdir(), "datasources-"));
      const path = join(dir, "sources.json");
      writeFileSync(path, JSON.stringify({ docs: dataSources[0] }));
      const [loaded] = loadDataSources(
        { DATA_SOURCES_FILE: path, AZURE_SEARCH_MODE: "on_your_data" },
        "2024-10-21",
      );
      assert.deepEqual(loaded, {
        name: "docs",
        mode: "on_your_data",
        request: dataSources[0],
        fallbackWithoutDataSource: false,
      });
    });
  }
});

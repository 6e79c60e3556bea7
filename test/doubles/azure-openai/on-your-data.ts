// On Your Data (requests with `data_sources`): the service's refusals, its spec check of the data
// source, and its answers with `context: { citations, intent }`. Sources in the comment below.
import { randomUUID } from "node:crypto";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { specsAvailable } from "../specs-dir.js";
import {
  DEFAULT_OYD_CITATIONS,
  DEFAULT_OYD_PIECES,
  type DoubleCitation,
  NOT_IN_DATA_ANSWER,
  type Scenario,
  type StreamScript,
} from "./scenarios.js";
import { extraFields, schemas, specProperties } from "./spec-fields.js";
import { asArray, isRecord } from "./util.js";
import type { Wire } from "./wire.js";

// On Your Data (requests with `data_sources`)
//
// What the service does, and where that is known from:
//   - refuses `stream_options` next to data_sources: 400 "Validation error at #/stream_options: Extra
//     inputs are not permitted" (openai/openai-python#2296, Azure/azure-sdk-for-js#30751);
//   - refuses a data source field it does not define: 400 "Validation error at
//     #/data_sources/0/azure_search/parameters/indexName: Extra inputs are not permitted"
//     (microsoft/copilot-camp#429; several at once, one per line: owndev/Open-WebUI-Functions#62);
//   - takes exactly one data source (On Your Data API reference: "There must be exactly one element");
//   - error bodies are { error: { requestid, code: 400, message } } with a numeric code
//     (Azure-Samples/azure-search-openai-demo#2331, Azure/azure-sdk-for-net#45326);
//   - search auth failure: SEARCH_AUTH_FAILED below (microsoft/sample-app-aoai-chatGPT#624, #2331);
//     a missing index: the same wrapper around Search's 404 body "The index 'x' for service 'y' was not
//     found." (microsoft/semantic-kernel#3015) — composed from those two captures, not captured whole;
//   - answers: id a UUID, object "extensions.chat.completion(.chunk)", `end_turn` on each choice, the
//     first delta { role, context: { citations, intent } }, intent a JSON-encoded list of strings, no
//     usage chunk, no prompt-filter chunk (MicrosoftDocs "use your data" example output, api-version
//     2024-02-15-preview; microsoft/sample-app-aoai-chatGPT functional tests).

export type OnYourDataScript = StreamScript & { citations: DoubleCitation[]; intent: string };

export const SEARCH_HELP =
  "Invalid AzureCognitiveSearch configuration detected: Call to get Azure Search index failed. Check if you are using the correct Azure Search endpoint and index name. If you are using key based authentication, check if the admin key is correct. If you are using access token authentication or managed identity of Azure OpenAI, check if the Azure Search has enabled RBAC based authentication and if the user identity or Azure OpenAI managed identity has required role assignments to access Azure Search resource [https://aka.ms/aoaioydauthentication]. If the Azure Search resource has no public network access, make sure enable trusted service of Azure Search.";

export function searchFailure(
  status: number,
  searchMessage: string,
  endpoint: string,
  index: string,
): string {
  const inner = `Server responded with status ${status}. Error message: ${JSON.stringify({ error: { code: "", message: searchMessage } })}`;
  const url = `${endpoint.replace(/\/+$/, "")}/indexes/${index}?api-version=2024-03-01-preview`;
  return `${SEARCH_HELP}\nAzure Search Error: ${status}, message='${inner}', url=URL('${url}')\n${inner}`;
}

export function oydError(message: string): object {
  return { error: { requestid: randomUUID(), code: 400, message } };
}

/** Service-side checks the spec does not express; each returns the service's message. */
export function onYourDataRefusals(body: Record<string, unknown>, dataSources: unknown[]): string[] {
  const out: string[] = [];
  if (dataSources.length !== 1) {
    // pydantic-style wording (the rule is documented; this exact sentence was not captured)
    out.push(
      `Validation error at #/data_sources: List should have exactly 1 item, not ${dataSources.length}`,
    );
  }
  if ("stream_options" in body)
    out.push("Validation error at #/stream_options: Extra inputs are not permitted");
  for (const [i, source] of dataSources.entries()) {
    if (!isRecord(source) || typeof source.type !== "string") continue;
    const schema = CONFIGURATION_SCHEMAS[source.type];
    if (!schema || !isRecord(source.parameters)) continue;
    const parametersSchema = specProperties(schema).get("parameters");
    for (const extra of extraFields(source.parameters, parametersSchema)) {
      out.push(
        `Validation error at #/data_sources/${i}/${source.type}/parameters/${extra}: Extra inputs are not permitted`,
      );
    }
  }
  return out;
}

/** The spec's mapped schema per data source type (ajv ignores the OpenAPI discriminator). */
export const CONFIGURATION_SCHEMAS: Record<string, string> = {
  azure_search: "azureSearchChatExtensionConfiguration",
  azure_cosmos_db: "azureCosmosDBChatExtensionConfiguration",
};

export function checkDataSourcesAgainstSpec(wire: Wire, dataSources: unknown[]): boolean {
  let ok = true;
  for (const source of dataSources) {
    const errors = dataSourceSpecErrors(source);
    if (errors.length === 0) continue;
    ok = false;
    wire.violations.push({
      route: wire.route,
      direction: "request",
      schema: "data_sources[]",
      errors,
      payload: source,
    });
  }
  return ok;
}

let dataSourceAjv: Ajv | undefined;

/**
 * Errors of one `data_sources` entry against the 2024-10-21 spec, the OpenAPI discriminator honoured:
 * createChatCompletionRequest only checks an entry's `type` (ajv ignores `discriminator`), and the
 * `oneOf`s of authentication and embedding_dependency are ambiguous without it (a user-assigned
 * identity also matches the system-assigned schema, which requires nothing but `type`). Each
 * `x-ms-discriminator-value` (used only by the On Your Data schemas) becomes a constraint on `type`.
 */
export function dataSourceSpecErrors(source: unknown): string[] {
  if (!specsAvailable()) return [];
  const type = isRecord(source) ? source.type : undefined;
  const schema = typeof type === "string" ? CONFIGURATION_SCHEMAS[type] : undefined;
  if (!schema) {
    return [
      `data source type ${JSON.stringify(type)} is not one of ${Object.keys(CONFIGURATION_SCHEMAS).join(", ")}`,
    ];
  }
  if (!dataSourceAjv) {
    dataSourceAjv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    // ajv-formats is CommonJS: under NodeNext its default import is the module object.
    addFormatsModule.default(dataSourceAjv);
    dataSourceAjv.addFormat("int32", {
      type: "number",
      validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
    });
    dataSourceAjv.addSchema({ components: { schemas: withDiscriminatorValues(schemas()) } }, "oyd");
  }
  const validate = dataSourceAjv.getSchema(`oyd#/components/schemas/${schema}`);
  if (!validate) return [`schema ${schema} not found`];
  if (validate(source)) return [];
  return (validate.errors ?? []).map(
    (e) => `${schema}${e.instancePath || "/"} ${e.message ?? "is invalid"} ${JSON.stringify(e.params)}`,
  );
}

export function withDiscriminatorValues(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withDiscriminatorValues);
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = withDiscriminatorValues(value);
  const value = node["x-ms-discriminator-value"];
  if (typeof value === "string") {
    out.allOf = [...asArray(out.allOf), { properties: { type: { enum: [value] } }, required: ["type"] }];
  }
  return out;
}

export function onYourDataAnswer(
  scenario: Scenario,
  usedDefault: boolean,
  body: unknown,
):
  | "not-mine"
  | { kind: "error"; body: object }
  | { kind: "answer"; script: OnYourDataScript }
  | { kind: "partial"; script: OnYourDataScript; ending: "cut" | "hang" } {
  const source = isRecord(body) && Array.isArray(body.data_sources) ? body.data_sources[0] : undefined;
  const parameters = isRecord(source) && isRecord(source.parameters) ? source.parameters : {};
  const endpoint = typeof parameters.endpoint === "string" ? parameters.endpoint : "https://search.invalid";
  const index = typeof parameters.index_name === "string" ? parameters.index_name : "index";
  const service = /^https?:\/\/([^./]+)/.exec(endpoint)?.[1] ?? "search";
  const intent = defaultIntent(body);
  switch (scenario.kind) {
    case "stream":
      return {
        kind: "answer",
        script: usedDefault
          ? { ...scenario, pieces: DEFAULT_OYD_PIECES, citations: DEFAULT_OYD_CITATIONS, intent }
          : { ...scenario, citations: scenario.citations ?? [], intent: scenario.intent ?? intent },
      };
    case "not-in-data":
      return {
        kind: "answer",
        script: {
          kind: "stream",
          pieces: [NOT_IN_DATA_ANSWER],
          citations: [],
          intent: scenario.intent ?? intent,
        },
      };
    case "search-auth-failed":
      return {
        kind: "error",
        body: oydError(searchFailure(scenario.searchStatus ?? 403, "Authorization failed.", endpoint, index)),
      };
    case "search-index-not-found":
      return {
        kind: "error",
        body: oydError(
          searchFailure(404, `The index '${index}' for service '${service}' was not found.`, endpoint, index),
        ),
      };
    case "cut":
    case "hang":
      // The context chunk and the pieces, then no finish: a stream broken after the citations.
      return {
        kind: "partial",
        script: { kind: "stream", pieces: scenario.pieces ?? [], citations: [], intent },
        ending: scenario.kind,
      };
    default:
      return "not-mine";
  }
}

/** The service's intent: a JSON-encoded list of search queries; here, the last user message. */
export function defaultIntent(body: unknown): string {
  const messages = isRecord(body) && Array.isArray(body.messages) ? body.messages : [];
  const lastUser = [...messages].reverse().find((m) => isRecord(m) && m.role === "user");
  const content = isRecord(lastUser) && typeof lastUser.content === "string" ? lastUser.content : "";
  return JSON.stringify([content]);
}

/**
 * Rewrites a copy of an On Your Data answer into the 2024-10-21 schema's shape before validation, and
 * returns the parts the schema does not reach (delta.context) to validate on their own. Narrow: only
 * the deviations listed at the top of this section.
 */
export const ON_YOUR_DATA_DEVIATIONS: Record<
  string,
  (copy: Record<string, unknown>) => Array<{ schema: string; value: unknown }>
> = {
  createChatCompletionStreamResponse(chunk) {
    if (chunk.object === "extensions.chat.completion.chunk") chunk.object = "chat.completion.chunk";
    const parts: Array<{ schema: string; value: unknown }> = [];
    for (const choice of asArray(chunk.choices)) {
      if (!isRecord(choice) || !isRecord(choice.delta) || !("context" in choice.delta)) continue;
      parts.push({
        schema: "azureChatExtensionsMessageContext",
        value: withoutNullCitationFields(choice.delta.context),
      });
    }
    return parts;
  },
  createChatCompletionResponse(body) {
    if (body.object === "extensions.chat.completion") body.object = "chat.completion";
    for (const choice of asArray(body.choices)) {
      if (!isRecord(choice)) continue;
      if (!("logprobs" in choice)) choice.logprobs = null;
      const message = choice.message;
      if (!isRecord(message)) continue;
      if (!("refusal" in message)) message.refusal = null;
      if ("context" in message) message.context = withoutNullCitationFields(message.context);
    }
    return [];
  },
  errorResponse(body) {
    const error = body.error;
    if (isRecord(error) && typeof error.code === "number") error.code = String(error.code);
    return [];
  },
};

/** The service writes `null` for a citation's missing title/url/filepath/chunk_id; the spec omits them. */
export function withoutNullCitationFields(context: unknown): unknown {
  if (!isRecord(context)) return context;
  const citations = asArray(context.citations).map((c) =>
    isRecord(c) ? Object.fromEntries(Object.entries(c).filter(([, v]) => v !== null)) : c,
  );
  return "citations" in context ? { ...context, citations } : context;
}

// The spec's object schemas, read from the published file, to find fields it does not define.

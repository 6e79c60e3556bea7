// Validates JSON bodies against the published specs in $SPECS_DIR (unchanged upstream copies), so
// a test double cannot drift from the service; without the specs (a fresh clone) it accepts everything. OpenAPI 3 `nullable` and Swagger 2 `x-nullable` become
// `anyOf [..., null]`; everything else is read as JSON Schema by ajv (strict: false ignores x-ms-*).
// A schema is named (components/definitions) or, when it is inline in a path, given by JSON pointer.
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { specFile, specsAvailable } from "./specs-dir.js";

export type SpecName = "azure-openai-2024-10-21" | "azure-ai-inference-2025-04-01";

const SPECS: Record<SpecName, { file: string[]; schemaPointer: string }> = {
  "azure-openai-2024-10-21": {
    file: ["azure-openai", "2024-10-21", "inference.json"],
    schemaPointer: "#/components/schemas/",
  },
  "azure-ai-inference-2025-04-01": {
    file: ["azure-ai-inference", "2025-04-01", "openapi.json"],
    schemaPointer: "#/definitions/",
  },
};

/**
 * The 2024-10-21 `embeddings_create` schemas: inline in the path (no named component), so by pointer.
 * JSON pointer escaping: "/" is "~1" ("{deployment-id}" stays as is).
 */
export const AZURE_OPENAI_EMBEDDINGS_REQUEST =
  "#/paths/~1deployments~1{deployment-id}~1embeddings/post/requestBody/content/application~1json/schema";
export const AZURE_OPENAI_EMBEDDINGS_RESPONSE =
  "#/paths/~1deployments~1{deployment-id}~1embeddings/post/responses/200/content/application~1json/schema";

/**
 * Where the service is known to send something its published schema does not allow. Each entry
 * rewrites a copy of the payload into the documented shape before validation, narrowly, so anything
 * else that differs is still caught. Sources are public captures of real traffic, client code written
 * against it, or the spec's own prose contradicting its types.
 */
const KNOWN_SERVICE_DEVIATIONS: Array<{
  spec: SpecName;
  schema: string;
  what: string;
  source: string;
  normalize(payload: Record<string, unknown>): void;
}> = [
  {
    spec: "azure-openai-2024-10-21",
    schema: AZURE_OPENAI_EMBEDDINGS_RESPONSE,
    what: 'asked for encoding_format "base64" (which the request schema documents), each data[].embedding is a base64 string of little-endian float32s; the 200 schema allows only an array of numbers',
    source:
      "Azure/azure-rest-api-specs#28323 (embedding: float[] | base64 string), Azure/azure-sdk-for-java#39296 (EmbeddingItem.getEmbeddingAsString, 2024-03-01-preview), openai/openai-dotnet#51 (that client always asks base64), huggingface/text-embeddings-inference#288 (a captured base64 answer)",
    normalize: decodeBase64Embeddings,
  },
  {
    spec: "azure-ai-inference-2025-04-01",
    schema: "EmbeddingsResult",
    what: 'asked for encoding_format "base64" (EmbeddingEncodingFormat), data[].embedding is a base64 string; EmbeddingItem types it as an array of numbers',
    source:
      'the 2025-04-01 spec itself: EmbeddingItem.embedding "Or a base64 encoded string of the embedding vector", EmbeddingEncodingFormat "base64": "Get back binary representation of the embeddings encoded as Base64 string"',
    normalize: decodeBase64Embeddings,
  },
  {
    spec: "azure-openai-2024-10-21",
    schema: "createChatCompletionStreamResponse",
    what: 'prompt-filter and annotation chunks carry id "", created 0, model "" and object "" (enum allows only "chat.completion.chunk")',
    source: "microsoft/autogen#6465 (api-version 2024-10-21), openai/openai-python#1677",
    normalize(chunk) {
      if (chunk.id === "" && chunk.object === "") chunk.object = "chat.completion.chunk";
    },
  },
  {
    spec: "azure-openai-2024-10-21",
    schema: "createChatCompletionStreamResponse",
    what: "annotation chunks have a choice with content_filter_results and no delta (delta is required)",
    source: "microsoft/autogen#6465, langchain-ai/langchain#18977, run-llama/LlamaIndexTS#2118",
    normalize(chunk) {
      for (const choice of asArray(chunk.choices)) {
        if (isRecord(choice) && !("delta" in choice) && "content_filter_results" in choice) choice.delta = {};
      }
    },
  },
  {
    spec: "azure-openai-2024-10-21",
    schema: "errorResponse",
    what: 'the 400 content_filter body has "type": null (string in the spec) and names the inner error innererror.content_filter_result (spec: inner_error.content_filter_results)',
    source: "openai/openai-dotnet#55, microsoft/TinyTroupe#85, compl-ai/compl-ai#20",
    normalize(body) {
      const error = body.error;
      if (!isRecord(error)) return;
      if (error.type === null) delete error.type;
      const inner = error.innererror;
      if (isRecord(inner) && !("inner_error" in error)) {
        const { content_filter_result, ...rest } = inner;
        error.inner_error =
          content_filter_result === undefined
            ? rest
            : { ...rest, content_filter_results: content_filter_result };
        delete error.innererror;
      }
    },
  },
];

/** Parts of a stream chunk the stream schema does not describe but other schemas of the same spec do. */
const STREAM_CHUNK_PARTS: Array<{ pick(chunk: Record<string, unknown>): unknown[]; schema: string }> = [
  {
    pick: (chunk) => ("prompt_filter_results" in chunk ? [chunk.prompt_filter_results] : []),
    schema: "promptFilterResults",
  },
  {
    pick: (chunk) =>
      asArray(chunk.choices).flatMap((c) =>
        isRecord(c) && "content_filter_results" in c ? [c.content_filter_results] : [],
      ),
    schema: "contentFilterChoiceResults",
  },
  { pick: (chunk) => (isRecord(chunk.usage) ? [chunk.usage] : []), schema: "completionUsage" },
];

export class SpecValidator {
  readonly #ajv: Ajv;
  readonly #compiled = new Map<string, ValidateFunction>();
  /** False without the specs folder: nothing is checked. */
  readonly available = specsAvailable();

  constructor() {
    this.#ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    // ajv-formats is CommonJS: under NodeNext its default import is the module object.
    addFormatsModule.default(this.#ajv);
    for (const name of ["int64", "float", "double", "byte", "binary", "password", "unixtime"]) {
      this.#ajv.addFormat(name, true); // OpenAPI/Autorest type annotations, not constraints
    }
    this.#ajv.addFormat("int32", {
      type: "number",
      validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
    });
    if (!this.available) return;
    for (const [name, { file }] of Object.entries(SPECS)) {
      const document = JSON.parse(readFileSync(specFile(...file), "utf8")) as unknown;
      this.#ajv.addSchema(withNullable(document) as object, name);
    }
  }

  /**
   * Error strings, empty when `payload` is valid against `schema`: a name under the spec's
   * components/schemas (OpenAPI 3) or definitions (Swagger 2), or a JSON pointer into the whole
   * document ("#/paths/...", for a schema inline in a path, e.g. AZURE_OPENAI_EMBEDDINGS_REQUEST).
   */
  validate(spec: SpecName, schema: string, payload: unknown): string[] {
    if (!this.available) return [];
    const copy = structuredClone(payload) as unknown;
    if (isRecord(copy)) {
      for (const deviation of KNOWN_SERVICE_DEVIATIONS) {
        if (deviation.spec === spec && deviation.schema === schema) deviation.normalize(copy);
      }
    }
    const errors = this.#check(spec, schema, copy);
    if (
      spec === "azure-openai-2024-10-21" &&
      schema === "createChatCompletionStreamResponse" &&
      isRecord(copy)
    ) {
      for (const part of STREAM_CHUNK_PARTS) {
        for (const value of part.pick(copy)) errors.push(...this.#check(spec, part.schema, value));
      }
    }
    return errors;
  }

  #check(spec: SpecName, schema: string, value: unknown): string[] {
    const ref = schema.startsWith("#/") ? `${spec}${schema}` : `${spec}${SPECS[spec].schemaPointer}${schema}`;
    let validate = this.#compiled.get(ref);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: ref });
      this.#compiled.set(ref, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (e) => `${schema}${e.instancePath || "/"} ${e.message ?? "is invalid"} ${JSON.stringify(e.params)}`,
    );
  }
}

let shared: SpecValidator | undefined;

/** One validator per process: compiling the specs takes a moment. */
export function specValidator(): SpecValidator {
  shared ??= new SpecValidator();
  return shared;
}

function withNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withNullable);
  if (!isRecord(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = withNullable(value);
  const nullable = out.nullable === true || out["x-nullable"] === true;
  delete out.nullable;
  delete out["x-nullable"];
  return nullable ? { anyOf: [out, { type: "null" }] } : out;
}

/**
 * Replaces each data[].embedding that is well-formed base64 of whole float32s with the numbers it
 * encodes (as the openai SDKs decode it), so the numbers are what is validated. Anything else, a
 * malformed string included, is left for the schema to refuse.
 */
function decodeBase64Embeddings(body: Record<string, unknown>): void {
  for (const item of asArray(body.data)) {
    if (!isRecord(item) || typeof item.embedding !== "string") continue;
    const text = item.embedding;
    if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) continue;
    const bytes = Buffer.from(text, "base64");
    if (bytes.length % 4 !== 0) continue;
    item.embedding = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

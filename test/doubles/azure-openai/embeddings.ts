// The embeddings route of the Azure OpenAI double (server.ts routes, authorises, records and
// plays errors; this file holds what is particular to embeddings): the schemas each route kind is
// validated against, the scenarios a test can queue, and the answer body. Vectors are
// fakeEmbedding(text) (fake-embedding.ts), the same the Azure AI Search double stores and ranks by.
//
// What is known about the wire, and from where:
//   - the openai npm package (v7 here) sends `encoding_format: "base64"` when the caller sets none and
//     decodes each `embedding` string itself as little-endian float32s (node_modules/openai
//     src/lib/embeddings.ts and internal/utils/base64.ts toFloat32Array, citing openai/openai-node#1312);
//     the service answers such a request with base64 strings (see KNOWN_SERVICE_DEVIATIONS in
//     spec-validator.ts: the published response schemas only describe the float array);
//   - the 2024-10-21 spec's `embeddings_create` has its request and 200 schemas inline in the path
//     (AZURE_OPENAI_EMBEDDINGS_REQUEST/RESPONSE) and documents no error answer: errors are validated as
//     `errorResponse`, the body the service sends for every operation;
//   - the 2025-04-01 inference spec types `input` as an array of strings only (EmbeddingsOptions), so a
//     bare string is a request violation on /models. Models differ: OpenAI's take a string, while
//     non-OpenAI models on Azure can refuse one (Cohere-embed-v3-multilingual: 422 "Input should be a
//     valid list", agno-agi/agno#6759), so a caller must send an array there to be safe;
//   - rate limits name the operation: "Requests to the Embeddings_Create Operation under Azure OpenAI
//     API version ... have exceeded call rate limit of your current OpenAI S0 pricing tier. ..." (seen
//     verbatim in public error logs: litellm's AzureException, Azure PostgreSQL azure_openai).
import { randomUUID } from "node:crypto";
import { FAKE_EMBEDDING_DIMENSIONS, fakeEmbedding } from "../fake-embedding.js";
import { AZURE_OPENAI_EMBEDDINGS_REQUEST, AZURE_OPENAI_EMBEDDINGS_RESPONSE } from "../spec-validator.js";
import type { RecordedRequest, RouteKind } from "./scenarios.js";

/** What `scriptEmbeddings` queues; an empty queue answers with vectors. */
export type EmbeddingsScenario =
  /** Answer with vectors (to queue a success before an error). */
  | { kind: "embeddings" }
  /** 429 with the given headers (none when both are unset), naming Embeddings_Create. */
  | { kind: "rate-limited"; retryAfterSeconds?: number; retryAfterMs?: number }
  | { kind: "unauthorized" }
  | { kind: "server-error"; status?: 500 | 502 | 503 }
  /** 404 DeploymentNotFound (Azure routes), 404 unknown_model (inference), 404 model_not_found (OpenAI). */
  | { kind: "not-found" };

export type EmbeddingsScenarioSource =
  | EmbeddingsScenario
  | ((request: RecordedRequest) => EmbeddingsScenario);

export const EMBEDDINGS_ROUTES: Array<{ kind: RouteKind; pattern: RegExp }> = [
  { kind: "azure-deployment", pattern: /^\/openai\/deployments\/([^/]+)\/embeddings$/ },
  { kind: "azure-v1", pattern: /^\/openai\/v1\/embeddings$/ },
  { kind: "azure-inference", pattern: /^\/models\/embeddings$/ },
  { kind: "openai-compatible", pattern: /^\/v1\/embeddings$/ },
];

/**
 * Schemas per route kind, in the spec wire-facts.ts assigns the kind (SPEC). /openai/v1 has no
 * published 2024-10-21 path of its own: its embeddings body is the deployment route's plus `model`
 * (which the inline schema's additionalProperties allows), so it is validated with the same schemas.
 * OpenAI-compatible servers have no spec here; they speak the same shape, so the same schemas apply
 * (as for their chat completions).
 */
export const EMBEDDINGS_SCHEMAS: Record<RouteKind, { request: string; response: string }> = {
  "azure-deployment": {
    request: AZURE_OPENAI_EMBEDDINGS_REQUEST,
    response: AZURE_OPENAI_EMBEDDINGS_RESPONSE,
  },
  "azure-v1": { request: AZURE_OPENAI_EMBEDDINGS_REQUEST, response: AZURE_OPENAI_EMBEDDINGS_RESPONSE },
  "openai-compatible": {
    request: AZURE_OPENAI_EMBEDDINGS_REQUEST,
    response: AZURE_OPENAI_EMBEDDINGS_RESPONSE,
  },
  "azure-inference": { request: "EmbeddingsOptions", response: "EmbeddingsResult" },
};

/** Tokens as the double counts them: words (runs of letters and digits). */
export function countWords(text: string): number {
  return text.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
}

/** Base64 of the vector as little-endian float32s: what the service sends for `encoding_format: "base64"`. */
export function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (const [i, value] of vector.entries()) bytes.writeFloatLE(value, i * 4);
  return bytes.toString("base64");
}

/**
 * The 200 body for an embeddings request in the route's dialect, or a sentence saying what the double
 * does not do (token-array input, an encoding other than float/base64). The inference dialect adds the
 * `id` its EmbeddingsResult requires.
 */
export function embeddingsAnswer(route: RouteKind, model: string, body: unknown): object | string {
  const request = isRecord(body) ? body : {};
  const input = request.input;
  const texts = typeof input === "string" ? [input] : Array.isArray(input) ? input : undefined;
  if (!texts?.every((t): t is string => typeof t === "string")) {
    return "the double embeds a string or an array of strings only (no token arrays)";
  }
  const format = request.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") {
    return `the double answers encoding_format "float" or "base64", not ${JSON.stringify(format)}`;
  }
  const dimensions =
    typeof request.dimensions === "number" && Number.isInteger(request.dimensions) && request.dimensions > 0
      ? request.dimensions
      : FAKE_EMBEDDING_DIMENSIONS;
  const data = texts.map((text, index) => {
    const vector = fakeEmbedding(text, dimensions);
    return { object: "embedding", index, embedding: format === "base64" ? float32Base64(vector) : vector };
  });
  const tokens = texts.reduce((sum, text) => sum + countWords(text), 0);
  const answer = {
    object: "list",
    data,
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
  return route === "azure-inference" ? { id: randomUUID(), ...answer } : answer;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// A real HTTP test double of Azure OpenAI (deployment and /openai/v1 routes), the Azure AI model
// inference endpoint (/models) and an OpenAI-compatible server (/v1). It speaks each wire format,
// checks auth, records every request, and validates every body it receives or sends against the
// published specs (test/doubles/spec-validator.ts). A violation is recorded in `specViolations` and
// answered with a 500 (or an SSE error event), so the test fails.
//
// On Your Data: a request with `data_sources` (deployment and /openai/v1 routes) is answered the way
// the service does it: refused params and unknown data source fields give the service's 400s, the
// answer carries `context: { citations, intent }` (first delta, or `message.context`), and search
// failures come back as the service's 400 bodies. See the "On Your Data" section below.
//
// Embeddings: each route kind also serves /embeddings (azure-openai-embeddings.ts), answering
// fakeEmbedding(text) per input, with its own script queue (`scriptEmbeddings`).
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import {
  EMBEDDINGS_ROUTES,
  EMBEDDINGS_SCHEMAS,
  type EmbeddingsScenario,
  type EmbeddingsScenarioSource,
  embeddingsAnswer,
} from "./azure-openai-embeddings.js";
import { type SpecName, type SpecValidator, specValidator } from "./spec-validator.js";
import { specFile, specsAvailable } from "./specs-dir.js";

export type { EmbeddingsScenario, EmbeddingsScenarioSource } from "./azure-openai-embeddings.js";

// ---------------------------------------------------------------------------------------------
// What a test can script

export type RouteKind = "azure-deployment" | "azure-v1" | "azure-inference" | "openai-compatible";

/** What a request asks for: a chat completion or embeddings. */
export type Operation = "chat" | "embeddings";

/** Severity categories carry `severity`; the others are detections (`detected`). */
export type FilterCategory =
  | "hate"
  | "sexual"
  | "violence"
  | "self_harm"
  | "jailbreak"
  | "profanity"
  | "protected_material_text";

export interface StreamScript {
  kind: "stream";
  /** Text pieces, one delta each. A request with `stream: false` gets them joined in one JSON answer. */
  pieces: string[];
  finishReason?: "stop" | "length";
  /** Token counts for the usage chunk (sent only when the request asked for include_usage). */
  usage?: { promptTokens: number; completionTokens: number };
  /**
   * Pause before each chunk (text or not: the prompt-filter and role chunks come first, so the first
   * text follows three pauses on Azure routes); overrides the double's `chunkDelayMs`.
   */
  delayMs?: number;
  /**
   * Time to first token: one pause of this long before the first chunk, then every chunk up to and
   * including the first text chunk at once, then `delayMs` (or `chunkDelayMs`) before each later
   * chunk. Default: unset, every chunk waits `delayMs` as described there.
   */
  firstDelayMs?: number;
  /** Model name the chunks report (Azure reports the model, not the deployment). */
  modelName?: string;
  /**
   * On Your Data (only when the request has `data_sources`): the retrieved documents, sent in the first
   * delta's `context` (streaming) or `message.context`. `[docN]` in `pieces` points at citations[N-1].
   * Default: none ([]), or DEFAULT_OYD_CITATIONS when the request met the double's default fallback.
   */
  citations?: DoubleCitation[];
  /** On Your Data: `context.intent` (default: the service's JSON-encoded list of the last user message). */
  intent?: string;
}

/** A citation as the service sends it (2024-10-21 `citation`; the service writes null for missing fields). */
export interface DoubleCitation {
  content: string;
  title?: string | null;
  url?: string | null;
  filepath?: string | null;
  chunk_id?: string | null;
}

export type Scenario =
  | StreamScript
  /** 429 with the given headers (none when both are unset). */
  | { kind: "rate-limited"; retryAfterSeconds?: number; retryAfterMs?: number }
  /** 400 code content_filter on the prompt, naming the category in innererror.content_filter_result. */
  | { kind: "prompt-filtered"; category: FilterCategory }
  /** Streams `pieces`, then ends with finish_reason content_filter and the category filtered. */
  | { kind: "completion-filtered"; pieces: string[]; category: FilterCategory }
  | { kind: "unauthorized" }
  /** 404 DeploymentNotFound (Azure routes), 404 unknown_model (inference), 404 model_not_found (OpenAI). */
  | { kind: "not-found" }
  | { kind: "context-length-exceeded" }
  | { kind: "server-error"; status?: 500 | 502 | 503 }
  /**
   * Streams `pieces`, then destroys the socket without a finish chunk or [DONE]. With data_sources the
   * On Your Data context chunk (citations []) comes first: a stream broken after the citations.
   */
  | { kind: "cut"; pieces: string[] }
  /** Sends `pieces` (if any; no headers at all when absent), then nothing until the client gives up. */
  | { kind: "hang"; pieces?: string[] }
  /**
   * On Your Data, `in_scope` and nothing relevant retrieved: NOT_IN_DATA_ANSWER with `citations: []`.
   * Needs a request with data_sources (otherwise the double answers 500 double_script_error).
   */
  | { kind: "not-in-data"; intent?: string }
  /** On Your Data: Azure AI Search refused Azure OpenAI (403 "Authorization failed."), as a 400. */
  | { kind: "search-auth-failed"; searchStatus?: 401 | 403 }
  /** On Your Data: the index does not exist on the search service (search 404), as a 400. */
  | { kind: "search-index-not-found" };

export type ScenarioSource = Scenario | ((request: RecordedRequest) => Scenario);

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when it was not JSON). */
  body: unknown;
  route: RouteKind | undefined;
  /** Chat completions or embeddings (from the path; an unknown path ending in /embeddings too). */
  operation: Operation;
  /** Deployment from the path, or the body's `model`. */
  model: string | undefined;
}

export interface SpecViolation {
  route: RouteKind | undefined;
  direction: "request" | "response";
  schema: string;
  errors: string[];
  payload: unknown;
}

export interface AzureOpenAIDoubleOptions {
  /** Accepted as `api-key` or `Authorization: Bearer` (default "test-api-key"). */
  apiKey?: string;
  /** Accepted as `Authorization: Bearer` (default "test-entra-token"). */
  bearerToken?: string;
  /** When set, any other deployment/model answers not-found, as the service does. */
  deployments?: string[];
  /** Pause before each text chunk. 0 (the default) writes a whole answer without timers: benchmark mode. */
  chunkDelayMs?: number;
  /** Validate bodies against the specs (default true; a benchmark may turn it off). */
  validate?: boolean;
  /** Keep every request in `requests` (default true; a long benchmark may turn it off). */
  record?: boolean;
  /** Answer when the script queue is empty (default: stream DEFAULT_PIECES). */
  fallback?: ScenarioSource;
}

export interface AzureOpenAIDouble {
  /** Base URL, e.g. http://127.0.0.1:39123 (Azure endpoint; add /models or /v1 for those kinds). */
  url: string;
  requests: RecordedRequest[];
  specViolations: SpecViolation[];
  /** Queues answers for the next chat requests, in order (embeddings requests do not take from it). */
  script(...scenarios: ScenarioSource[]): void;
  /** Queues answers for the next embeddings requests, in order; when empty, they get vectors. */
  scriptEmbeddings(...scenarios: EmbeddingsScenarioSource[]): void;
  /** Replaces the answer used when the queue is empty. */
  setFallback(source: ScenarioSource): void;
  /** Clears both queues, the recorded requests and the violations. */
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_PIECES = ["Hello", " from", " the", " double", "."];
/** On Your Data answer for a request that met the default fallback: two documents, both cited. */
export const DEFAULT_OYD_PIECES = ["Dogs need daily walks", " [doc1]", " and fresh water", " [doc2]", "."];
export const DEFAULT_OYD_CITATIONS: DoubleCitation[] = [
  {
    content: "Walk your dog at least twice a day.",
    title: "Dog care basics",
    url: "https://contoso.blob.core.windows.net/docs/dog-care.pdf",
    filepath: "dog-care.pdf",
    chunk_id: "0",
  },
  {
    content: "Keep a bowl of fresh water available at all times.",
    title: "Water and food",
    url: null,
    filepath: "water.md",
    chunk_id: "2",
  },
];
/**
 * What the service answers when `in_scope` is on and retrieval found nothing relevant (On Your Data
 * docs, "Runtime parameters"; seen verbatim in Azure-Samples and customer code).
 */
export const NOT_IN_DATA_ANSWER =
  "The requested information is not available in the retrieved data. Please try another query or topic.";
export const DEFAULT_API_KEY = "test-api-key";
export const DEFAULT_BEARER_TOKEN = "test-entra-token";

// ---------------------------------------------------------------------------------------------
// Wire facts (shapes from the specs; wording from captured service answers)

const SPEC: Record<RouteKind, SpecName> = {
  "azure-deployment": "azure-openai-2024-10-21",
  "azure-v1": "azure-openai-2024-10-21",
  "openai-compatible": "azure-openai-2024-10-21",
  "azure-inference": "azure-ai-inference-2025-04-01",
};

const SCHEMAS: Record<SpecName, { request: string; response: string; chunk: string; error: string }> = {
  "azure-openai-2024-10-21": {
    request: "createChatCompletionRequest",
    response: "createChatCompletionResponse",
    chunk: "createChatCompletionStreamResponse",
    error: "errorResponse",
  },
  "azure-ai-inference-2025-04-01": {
    request: "ChatCompletionsOptions",
    response: "ChatCompletions",
    chunk: "StreamingChatCompletionsUpdate",
    error: "Azure.Core.Foundations.ErrorResponse",
  },
};

const SEVERITY_CATEGORIES = new Set<FilterCategory>(["hate", "sexual", "violence", "self_harm"]);
const SAFE = { filtered: false, severity: "safe" };
const SAFE_COMPLETION_FILTERS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const SAFE_PROMPT_FILTERS = { ...SAFE_COMPLETION_FILTERS, jailbreak: { filtered: false, detected: false } };

const MESSAGES = {
  unauthorized:
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
  deploymentNotFound:
    "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
  promptFiltered:
    "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
  contextLength:
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages.",
  serverError: "The server had an error while processing your request. Sorry about that!",
  noModel:
    "No model specified in request. Please provide a model name in the request body or as a x-ms-model-mesh-model-name header.",
};

const CHAT_ROUTES: Array<{ kind: RouteKind; pattern: RegExp }> = [
  { kind: "azure-deployment", pattern: /^\/openai\/deployments\/([^/]+)\/chat\/completions$/ },
  { kind: "azure-v1", pattern: /^\/openai\/v1\/chat\/completions$/ },
  { kind: "azure-inference", pattern: /^\/models\/chat\/completions$/ },
  { kind: "openai-compatible", pattern: /^\/v1\/chat\/completions$/ },
];

const ROUTES: Array<{ kind: RouteKind; operation: Operation; pattern: RegExp }> = [
  ...CHAT_ROUTES.map((route) => ({ ...route, operation: "chat" as const })),
  ...EMBEDDINGS_ROUTES.map((route) => ({ ...route, operation: "embeddings" as const })),
];

// ---------------------------------------------------------------------------------------------

export async function startAzureOpenAIDouble(
  options: AzureOpenAIDoubleOptions = {},
): Promise<AzureOpenAIDouble> {
  const apiKey = options.apiKey ?? DEFAULT_API_KEY;
  const bearerToken = options.bearerToken ?? DEFAULT_BEARER_TOKEN;
  const validator = options.validate === false ? undefined : specValidator();
  const queue: ScenarioSource[] = [];
  const embeddingsQueue: EmbeddingsScenarioSource[] = [];
  let fallback: ScenarioSource = options.fallback ?? { kind: "stream", pieces: DEFAULT_PIECES };
  let fallbackIsDefault = options.fallback === undefined;
  const requests: RecordedRequest[] = [];
  const specViolations: SpecViolation[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://double.invalid");
    const raw = await readBody(req);
    const body = parseJson(raw);
    const matched = matchRoute(req.method ?? "", url.pathname);
    const route = matched?.kind;
    const operation: Operation =
      matched?.operation ?? (/\/embeddings$/.test(url.pathname) ? "embeddings" : "chat");
    const model =
      matched?.deployment ?? (isRecord(body) && typeof body.model === "string" ? body.model : undefined);
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      route,
      operation,
      model,
    };
    if (options.record !== false) requests.push(recorded);

    const wire = new Wire(res, route, validator, specViolations);
    if (!route) return wire.raw(404, { error: { code: "404", message: "Resource not found" } });
    if (
      (route === "azure-deployment" || route === "azure-inference") &&
      !url.searchParams.get("api-version")
    ) {
      return wire.error(404, { error: { code: "404", message: "Resource not found" } });
    }
    if (!authorized(req.headers, route, apiKey, bearerToken))
      return playError(wire, route, { kind: "unauthorized" });
    if (operation === "embeddings") return answerEmbeddings(wire, route, body, recorded);
    if (validator && !wire.check("request", SCHEMAS[SPEC[route]].request, body)) {
      return wire.raw(500, {
        error: { code: "double_spec_violation", message: "request body violates the spec" },
      });
    }
    if (route === "azure-inference" && !model) {
      return wire.error(400, { error: { code: "no_model_name", message: MESSAGES.noModel } });
    }
    const dataSources = isRecord(body) && Array.isArray(body.data_sources) ? body.data_sources : undefined;
    if (dataSources) {
      if (route === "azure-inference" || route === "openai-compatible") {
        // Not Azure OpenAI: no On Your Data. Not service traffic of the specs' kind, so sent raw.
        return wire.raw(400, {
          error: {
            message: "Unrecognized request argument supplied: data_sources",
            type: "invalid_request_error",
            param: null,
            code: null,
          },
        });
      }
      wire.onYourData = true;
      if (validator && !checkDataSourcesAgainstSpec(wire, dataSources)) {
        return wire.raw(500, {
          error: { code: "double_spec_violation", message: "a data source violates the spec" },
        });
      }
      const refusals = onYourDataRefusals(body as Record<string, unknown>, dataSources);
      if (refusals.length > 0) return wire.error(400, oydError(refusals.join("\n")));
    }
    const usedDefault = queue.length === 0 && fallbackIsDefault;
    const scenario =
      model !== undefined && options.deployments && !options.deployments.includes(model)
        ? ({ kind: "not-found" } as const)
        : resolve(queue.shift() ?? fallback, recorded);
    const streaming = isRecord(body) && body.stream === true;
    const includeUsage =
      streaming &&
      isRecord(body) &&
      isRecord(body.stream_options) &&
      body.stream_options.include_usage === true;
    const answer = new Answer(route, model ?? "unknown", body, includeUsage);
    const delayMs = options.chunkDelayMs ?? 0;

    if (dataSources) {
      const oyd = onYourDataAnswer(scenario, usedDefault, body);
      if (oyd === "not-mine") {
        // rate limits, a filtered completion, ...: as without data sources (below)
      } else if (oyd.kind === "error") {
        return wire.error(400, oyd.body);
      } else if (oyd.kind === "partial") {
        return wire.stream(answer.oydChunks(oyd.script).slice(0, -1), delayMs, oyd.ending);
      } else {
        if (!streaming) return wire.completion(answer.oydCompletion(oyd.script));
        return wire.stream(
          answer.oydChunks(oyd.script),
          oyd.script.delayMs ?? delayMs,
          "done",
          oyd.script.firstDelayMs,
        );
      }
    } else if (isOnYourDataOnly(scenario)) {
      return wire.raw(500, {
        error: {
          code: "double_script_error",
          message: `scenario ${scenario.kind} needs a request with data_sources`,
        },
      });
    }

    switch (scenario.kind) {
      case "stream":
        if (!streaming) return wire.completion(answer.completion(scenario));
        return wire.stream(
          answer.chunks(scenario.pieces, scenario),
          scenario.delayMs ?? delayMs,
          "done",
          scenario.firstDelayMs,
        );
      case "completion-filtered":
        return wire.stream(answer.chunks(scenario.pieces, { filtered: scenario.category }), delayMs);
      case "cut":
        return wire.stream(answer.chunks(scenario.pieces, { textOnly: true }), delayMs, "cut");
      case "hang":
        if (!scenario.pieces) return wire.hang();
        return wire.stream(answer.chunks(scenario.pieces, { textOnly: true }), delayMs, "hang");
      case "not-in-data":
      case "search-auth-failed":
      case "search-index-not-found":
        return wire.raw(500, { error: { code: "double_script_error", message: "unreachable" } });
      default:
        return playError(wire, route, scenario, model);
    }
  }

  /** After the route, api-version and auth checks, which are the same as for chat. */
  function answerEmbeddings(wire: Wire, route: RouteKind, body: unknown, recorded: RecordedRequest): void {
    const schemas = EMBEDDINGS_SCHEMAS[route];
    if (validator && !wire.check("request", schemas.request, body)) {
      wire.raw(500, { error: { code: "double_spec_violation", message: "request body violates the spec" } });
      return;
    }
    const model = recorded.model;
    if (route === "azure-inference" && !model) {
      wire.error(400, { error: { code: "no_model_name", message: MESSAGES.noModel } });
      return;
    }
    const unknownModel = model !== undefined && options.deployments && !options.deployments.includes(model);
    const next = unknownModel ? { kind: "not-found" as const } : embeddingsQueue.shift();
    const scenario: EmbeddingsScenario =
      typeof next === "function" ? next(recorded) : (next ?? { kind: "embeddings" });
    if (scenario.kind !== "embeddings") {
      playError(wire, route, scenario, model, "embeddings");
      return;
    }
    const answer = embeddingsAnswer(route, model ?? "unknown", body);
    if (typeof answer === "string") {
      wire.raw(500, { error: { code: "double_unsupported", message: answer } });
      return;
    }
    wire.json(200, answer, schemas.response);
  }

  await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    specViolations,
    script: (...scenarios) => {
      queue.push(...scenarios);
    },
    scriptEmbeddings: (...scenarios) => {
      embeddingsQueue.push(...scenarios);
    },
    setFallback: (source) => {
      fallback = source;
      fallbackIsDefault = false;
    },
    reset: () => {
      queue.length = 0;
      embeddingsQueue.length = 0;
      requests.length = 0;
      specViolations.length = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Routing, auth, errors

function matchRoute(
  method: string,
  path: string,
): { kind: RouteKind; operation: Operation; deployment?: string } | undefined {
  if (method !== "POST") return undefined;
  for (const { kind, operation, pattern } of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    return match[1] === undefined
      ? { kind, operation }
      : { kind, operation, deployment: decodeURIComponent(match[1]) };
  }
  return undefined;
}

function authorized(
  headers: IncomingHttpHeaders,
  route: RouteKind,
  apiKey: string,
  bearerToken: string,
): boolean {
  if (route === "openai-compatible") return true; // like Ollama/vLLM without --api-key: anything goes
  if (headers["api-key"] === apiKey) return true;
  const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1];
  return bearer === apiKey || bearer === bearerToken;
}

type OnYourDataOnlyScenario = Extract<
  Scenario,
  { kind: "not-in-data" | "search-auth-failed" | "search-index-not-found" }
>;
type ErrorScenario = Exclude<
  Scenario,
  StreamScript | OnYourDataOnlyScenario | { kind: "completion-filtered" | "cut" | "hang" }
>;

function isOnYourDataOnly(scenario: Scenario): scenario is OnYourDataOnlyScenario {
  return (
    scenario.kind === "not-in-data" ||
    scenario.kind === "search-auth-failed" ||
    scenario.kind === "search-index-not-found"
  );
}

interface ErrorAnswer {
  status: number;
  body: object;
  headers?: Record<string, string>;
}

/**
 * The embeddings queue's errors are a subset of these, answered the same way (validated as the route's
 * error schema too: the 2024-10-21 embeddings path documents no error body).
 */
function playError(
  wire: Wire,
  route: RouteKind,
  scenario: ErrorScenario,
  model?: string,
  operation: Operation = "chat",
): void {
  const { status, body, headers } = errorAnswer(route, scenario, model, operation);
  wire.error(status, body, headers);
}

function errorAnswer(
  route: RouteKind,
  scenario: ErrorScenario,
  model: string | undefined,
  operation: Operation,
): ErrorAnswer {
  switch (scenario.kind) {
    case "unauthorized":
      return { status: 401, body: { error: { code: "401", message: MESSAGES.unauthorized } } };
    case "rate-limited": {
      const headers: Record<string, string> = {};
      if (scenario.retryAfterSeconds !== undefined)
        headers["retry-after"] = String(scenario.retryAfterSeconds);
      if (scenario.retryAfterMs !== undefined) headers["retry-after-ms"] = String(scenario.retryAfterMs);
      const seconds = scenario.retryAfterSeconds ?? Math.ceil((scenario.retryAfterMs ?? 1000) / 1000);
      const limited =
        operation === "embeddings"
          ? "Embeddings_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded call rate limit"
          : "ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit";
      const message = `Requests to the ${limited} of your current OpenAI S0 pricing tier. Please retry after ${seconds} seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.`;
      return { status: 429, body: { error: { code: "429", message } }, headers };
    }
    case "prompt-filtered":
      return {
        status: 400,
        body: {
          error: {
            message: MESSAGES.promptFiltered,
            type: null,
            param: "prompt",
            code: "content_filter",
            status: 400,
            innererror: {
              code: "ResponsibleAIPolicyViolation",
              content_filter_result: withFiltered(SAFE_PROMPT_FILTERS, scenario.category),
            },
          },
        },
      };
    case "not-found":
      if (route === "azure-inference") {
        // The service also sends `details` as a string; the spec types it as an array, so it is left out.
        const body = { error: { code: "unknown_model", message: `Unknown model: ${model ?? ""}` } };
        return { status: 404, body, headers: { "x-ms-error-code": "unknown_model" } };
      }
      if (route === "openai-compatible") {
        const message = `The model \`${model ?? ""}\` does not exist or you do not have access to it.`;
        return {
          status: 404,
          body: { error: { message, type: "invalid_request_error", code: "model_not_found" } },
        };
      }
      return {
        status: 404,
        body: { error: { code: "DeploymentNotFound", message: MESSAGES.deploymentNotFound } },
      };
    case "context-length-exceeded":
      return {
        status: 400,
        body: {
          error: {
            message: MESSAGES.contextLength,
            type: "invalid_request_error",
            param: "messages",
            code: "context_length_exceeded",
          },
        },
      };
    case "server-error": {
      const status = scenario.status ?? 500;
      const code = status === 503 ? "ServiceUnavailable" : "InternalServerError";
      return { status, body: { error: { code, message: MESSAGES.serverError } } };
    }
  }
}

function withFiltered(base: Record<string, object>, category: FilterCategory): Record<string, object> {
  const fired = SEVERITY_CATEGORIES.has(category)
    ? { filtered: true, severity: "high" }
    : { filtered: true, detected: true };
  return { ...base, [category]: fired };
}

// ---------------------------------------------------------------------------------------------
// Answer bodies per dialect

interface ChunkEnding {
  finishReason?: string;
  /** End with finish_reason content_filter, this category filtered. */
  filtered?: FilterCategory;
  usage?: StreamScript["usage"];
  modelName?: string;
  /** Stop after the text chunks: no finish chunk, no usage (a cut or stalled stream). */
  textOnly?: boolean;
}

/** Builds the JSON payloads of one answer in the route's dialect. */
class Answer {
  readonly #id = `chatcmpl-${randomUUID().replaceAll("-", "").slice(0, 24)}`;
  readonly #created = Math.floor(Date.now() / 1000);
  readonly #dialect: "azure" | "inference" | "openai";

  constructor(
    route: RouteKind,
    readonly model: string,
    readonly requestBody: unknown,
    readonly includeUsage: boolean,
  ) {
    this.#dialect =
      route === "azure-inference" ? "inference" : route === "openai-compatible" ? "openai" : "azure";
  }

  /** Every chunk of a streamed answer, in order, ending before `[DONE]` (or after the text: `textOnly`). */
  chunks(pieces: string[], end: ChunkEnding = {}): object[] {
    const model = end.modelName ?? this.model;
    const finishReason = end.filtered ? "content_filter" : (end.finishReason ?? "stop");
    const usage = end.usage ?? this.#estimateUsage(pieces);
    const finishFilters = end.filtered ? withFiltered(SAFE_COMPLETION_FILTERS, end.filtered) : {};
    const choice = (delta: object, finish: string | null, filters: object): object => {
      if (this.#dialect === "inference") return { index: 0, finish_reason: finish, delta };
      if (this.#dialect === "openai") return { index: 0, delta, logprobs: null, finish_reason: finish };
      return { content_filter_results: filters, delta, finish_reason: finish, index: 0, logprobs: null };
    };
    const chunk = (choices: object[], extra: object = {}): object => ({
      id: this.#id,
      object: this.#dialect === "inference" ? "chat.completion" : "chat.completion.chunk",
      created: this.#created,
      model,
      ...(this.#dialect === "inference" ? {} : { system_fingerprint: "fp_double" }),
      choices,
      ...extra,
    });

    const out: object[] = [];
    if (this.#dialect === "azure") {
      out.push({
        choices: [],
        created: 0,
        id: "",
        model: "",
        object: "",
        prompt_filter_results: [{ prompt_index: 0, content_filter_results: SAFE_PROMPT_FILTERS }],
      });
    }
    const roleDelta =
      this.#dialect === "azure"
        ? { content: "", refusal: null, role: "assistant" }
        : { role: "assistant", content: "" };
    out.push(chunk([choice(roleDelta, null, {})]));
    for (const [i, piece] of pieces.entries()) {
      out.push(chunk([choice({ content: piece }, null, SAFE_COMPLETION_FILTERS)]));
      // Azure interleaves annotation chunks (content_filter_results, no delta, blank id) with the text.
      if (this.#dialect === "azure" && i === Math.floor(pieces.length / 2)) out.push(this.#annotation(i));
    }
    if (end.textOnly) return out;
    const usageBody = {
      completion_tokens: usage.completionTokens,
      prompt_tokens: usage.promptTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
    };
    if (this.#dialect === "inference") {
      // The 2025-04-01 spec requires at least one choice per update, so usage rides on the finish chunk.
      out.push(chunk([choice({}, finishReason, {})], this.includeUsage ? { usage: usageBody } : {}));
      return out;
    }
    out.push(chunk([choice({}, finishReason, finishFilters)]));
    if (this.#dialect === "azure") out.push(this.#annotation(pieces.length));
    if (this.includeUsage) out.push(chunk([], { usage: usageBody }));
    return out;
  }

  /** The non-streaming answer. */
  completion(script: StreamScript): object {
    const text = script.pieces.join("");
    const usage = script.usage ?? this.#estimateUsage(script.pieces);
    const usageBody = {
      completion_tokens: usage.completionTokens,
      prompt_tokens: usage.promptTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
    };
    const finishReason = script.finishReason ?? "stop";
    const base = {
      id: this.#id,
      object: "chat.completion",
      created: this.#created,
      model: script.modelName ?? this.model,
    };
    if (this.#dialect === "inference") {
      return {
        ...base,
        choices: [{ index: 0, finish_reason: finishReason, message: { role: "assistant", content: text } }],
        usage: usageBody,
      };
    }
    const message = { role: "assistant", content: text, refusal: null };
    const choice = { index: 0, finish_reason: finishReason, message, logprobs: null };
    if (this.#dialect === "openai")
      return { ...base, system_fingerprint: "fp_double", choices: [choice], usage: usageBody };
    return {
      ...base,
      system_fingerprint: "fp_double",
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: SAFE_PROMPT_FILTERS }],
      choices: [{ ...choice, content_filter_results: SAFE_COMPLETION_FILTERS }],
      usage: usageBody,
    };
  }

  /** On Your Data, streamed: context in the first delta, text, a finish chunk; no usage chunk. */
  oydChunks(script: OnYourDataScript): object[] {
    const base = this.#oydBase(script, "extensions.chat.completion.chunk");
    const choice = (delta: object, finish: string | null, endTurn: boolean) => ({
      index: 0,
      delta,
      end_turn: endTurn,
      finish_reason: finish,
    });
    const context = { citations: script.citations, intent: script.intent };
    return [
      { ...base, choices: [choice({ role: "assistant", context }, null, false)] },
      ...script.pieces.map((piece) => ({
        ...base,
        choices: [choice({ content: piece }, null, false)],
        system_fingerprint: "fp_double",
      })),
      { ...base, choices: [choice({}, script.finishReason ?? "stop", true)] },
    ];
  }

  /** On Your Data, not streamed: `message.context`, `end_turn`, no refusal/logprobs (as the service). */
  oydCompletion(script: OnYourDataScript): object {
    const usage = script.usage ?? this.#estimateUsage(script.pieces);
    return {
      ...this.#oydBase(script, "extensions.chat.completion"),
      choices: [
        {
          index: 0,
          finish_reason: script.finishReason ?? "stop",
          message: {
            role: "assistant",
            content: script.pieces.join(""),
            end_turn: true,
            context: { citations: script.citations, intent: script.intent },
          },
        },
      ],
      usage: {
        completion_tokens: usage.completionTokens,
        prompt_tokens: usage.promptTokens,
        total_tokens: usage.promptTokens + usage.completionTokens,
      },
    };
  }

  /** The service's On Your Data answers carry a UUID id and an "extensions." object name. */
  #oydBase(script: OnYourDataScript, object: string): object {
    return { id: this.#oydId, model: script.modelName ?? this.model, created: this.#created, object };
  }

  readonly #oydId = randomUUID();

  #annotation(offset: number): object {
    return {
      choices: [
        {
          content_filter_offsets: { check_offset: offset, start_offset: offset, end_offset: offset + 1 },
          content_filter_results: SAFE_COMPLETION_FILTERS,
          finish_reason: null,
          index: 0,
        },
      ],
      created: 0,
      id: "",
      model: "",
      object: "",
    };
  }

  /** Rough counts (4 characters a token) when the scenario gives none. */
  #estimateUsage(pieces: string[]): { promptTokens: number; completionTokens: number } {
    const messages = isRecord(this.requestBody) ? this.requestBody.messages : undefined;
    return {
      promptTokens: Math.ceil(JSON.stringify(messages ?? []).length / 4),
      completionTokens: pieces.length,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Writing responses, with validation

class Wire {
  constructor(
    readonly res: ServerResponse,
    readonly route: RouteKind | undefined,
    readonly validator: SpecValidator | undefined,
    readonly violations: SpecViolation[],
  ) {}

  /** The request has data_sources: answers follow On Your Data's known deviations (ON_YOUR_DATA_DEVIATIONS). */
  onYourData = false;

  /** Validates `payload`; records and returns false on a violation. */
  check(direction: SpecViolation["direction"], schema: string, payload: unknown): boolean {
    if (!this.validator || !this.route) return true;
    const spec = SPEC[this.route];
    let errors: string[];
    const normalize =
      direction === "response" && this.onYourData ? ON_YOUR_DATA_DEVIATIONS[schema] : undefined;
    if (normalize && isRecord(payload)) {
      const copy = structuredClone(payload);
      const parts = normalize(copy);
      errors = this.validator.validate(spec, schema, copy);
      for (const part of parts) errors.push(...this.validator.validate(spec, part.schema, part.value));
    } else {
      errors = this.validator.validate(spec, schema, payload);
    }
    if (errors.length === 0) return true;
    this.violations.push({ route: this.route, direction, schema, errors, payload });
    return false;
  }

  /** An error answer, validated as the route's error schema. */
  error(status: number, body: object, headers: Record<string, string> = {}): void {
    this.#sendJson(status, body, headers, this.#schema("error"));
  }

  /** A non-streaming chat completion, validated as the route's response schema. */
  completion(body: object): void {
    this.#sendJson(200, body, {}, this.#schema("response"));
  }

  /** A JSON answer validated against `schema` of the route's spec (a name or a "#/..." pointer). */
  json(status: number, body: object, schema: string): void {
    this.#sendJson(status, body, {}, schema);
  }

  #schema(kind: "error" | "response"): string {
    return this.route ? SCHEMAS[SPEC[this.route]][kind] : "";
  }

  /** The double's own answers (unknown route, spec violation): not service traffic, not validated. */
  raw(status: number, body: object): void {
    this.res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  }

  #sendJson(status: number, body: object, headers: Record<string, string>, schema: string): void {
    if (!this.check("response", schema, body)) {
      const message = `the double's own ${schema} violates the spec`;
      this.raw(500, { error: { code: "double_spec_violation", message } });
      return;
    }
    this.res.writeHead(status, {
      "content-type": "application/json",
      "apim-request-id": randomUUID(),
      ...headers,
    });
    this.res.end(JSON.stringify(body));
  }

  /** `firstDelayMs`: see StreamScript (one pause, then the chunks up to the first text at once). */
  async stream(
    chunks: object[],
    delayMs: number,
    ending: "done" | "cut" | "hang" = "done",
    firstDelayMs?: number,
  ): Promise<void> {
    const schema = this.route ? SCHEMAS[SPEC[this.route]].chunk : "";
    this.res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "apim-request-id": randomUUID(),
    });
    let textSent = false;
    for (const [i, chunk] of chunks.entries()) {
      const pause = firstDelayMs === undefined || textSent ? delayMs : i === 0 ? firstDelayMs : 0;
      if (pause > 0) await sleep(pause);
      if (this.res.destroyed) return;
      if (!this.check("response", schema, chunk)) {
        this.res.end(
          `data: ${JSON.stringify({ error: { code: "double_spec_violation", message: `chunk violates ${schema}` } })}\n\n`,
        );
        return;
      }
      this.res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      textSent ||= hasText(chunk);
    }
    if (ending === "done") {
      this.res.end("data: [DONE]\n\n");
    } else if (ending === "cut") {
      // Let the written chunks leave before the connection drops mid-body.
      await new Promise<void>((flushed) => this.res.write("", () => flushed()));
      this.res.socket?.destroy();
    }
    // "hang": leave the response open; close() or the client's abort ends it.
  }

  hang(): void {
    // Nothing is sent; the request stays open until the client gives up or the double closes.
  }
}

// ---------------------------------------------------------------------------------------------

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

type OnYourDataScript = StreamScript & { citations: DoubleCitation[]; intent: string };

const SEARCH_HELP =
  "Invalid AzureCognitiveSearch configuration detected: Call to get Azure Search index failed. Check if you are using the correct Azure Search endpoint and index name. If you are using key based authentication, check if the admin key is correct. If you are using access token authentication or managed identity of Azure OpenAI, check if the Azure Search has enabled RBAC based authentication and if the user identity or Azure OpenAI managed identity has required role assignments to access Azure Search resource [https://aka.ms/aoaioydauthentication]. If the Azure Search resource has no public network access, make sure enable trusted service of Azure Search.";

function searchFailure(status: number, searchMessage: string, endpoint: string, index: string): string {
  const inner = `Server responded with status ${status}. Error message: ${JSON.stringify({ error: { code: "", message: searchMessage } })}`;
  const url = `${endpoint.replace(/\/+$/, "")}/indexes/${index}?api-version=2024-03-01-preview`;
  return `${SEARCH_HELP}\nAzure Search Error: ${status}, message='${inner}', url=URL('${url}')\n${inner}`;
}

function oydError(message: string): object {
  return { error: { requestid: randomUUID(), code: 400, message } };
}

/** Service-side checks the spec does not express; each returns the service's message. */
function onYourDataRefusals(body: Record<string, unknown>, dataSources: unknown[]): string[] {
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
const CONFIGURATION_SCHEMAS: Record<string, string> = {
  azure_search: "azureSearchChatExtensionConfiguration",
  azure_cosmos_db: "azureCosmosDBChatExtensionConfiguration",
};

function checkDataSourcesAgainstSpec(wire: Wire, dataSources: unknown[]): boolean {
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

function withDiscriminatorValues(node: unknown): unknown {
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

function onYourDataAnswer(
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
function defaultIntent(body: unknown): string {
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
const ON_YOUR_DATA_DEVIATIONS: Record<
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
function withoutNullCitationFields(context: unknown): unknown {
  if (!isRecord(context)) return context;
  const citations = asArray(context.citations).map((c) =>
    isRecord(c) ? Object.fromEntries(Object.entries(c).filter(([, v]) => v !== null)) : c,
  );
  return "citations" in context ? { ...context, citations } : context;
}

// The spec's object schemas, read from the published file, to find fields it does not define.
type SpecNode = Record<string, unknown>;
let specSchemas: Record<string, SpecNode> | undefined;

/** Empty without the specs folder: no field is then taken for one the spec lacks. */
function schemas(): Record<string, SpecNode> {
  if (!specSchemas && !specsAvailable()) specSchemas = {};
  if (!specSchemas) {
    const file = specFile("azure-openai", "2024-10-21", "inference.json");
    const document = JSON.parse(readFileSync(file, "utf8")) as {
      components: { schemas: Record<string, SpecNode> };
    };
    specSchemas = document.components.schemas;
  }
  return specSchemas;
}

function deref(node: unknown): SpecNode | undefined {
  if (!isRecord(node)) return undefined;
  const ref = typeof node.$ref === "string" ? node.$ref.split("/").at(-1) : undefined;
  return ref ? deref(schemas()[ref]) : node;
}

/** Properties of an object schema, allOf parts merged. */
function specProperties(nameOrNode: string | unknown): Map<string, unknown> {
  const node = deref(typeof nameOrNode === "string" ? schemas()[nameOrNode] : nameOrNode);
  const out = new Map<string, unknown>();
  for (const part of [node, ...asArray(node?.allOf).map(deref)]) {
    if (part && isRecord(part.properties))
      for (const [k, v] of Object.entries(part.properties)) out.set(k, v);
  }
  return out;
}

/** Paths (a/b/c; a tagged union's tag included, as pydantic names them) of fields the spec lacks. */
function extraFields(value: Record<string, unknown>, schema: unknown): string[] {
  const node = deref(schema);
  if (!node) return [];
  const options = asArray(node.oneOf).map(deref);
  if (options.length > 0) {
    const chosen = options.find((o) => o?.["x-ms-discriminator-value"] === value.type);
    return chosen ? extraFields(value, chosen).map((p) => `${String(value.type)}/${p}`) : [];
  }
  const properties = specProperties(node);
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (!properties.has(key)) out.push(key);
    else if (isRecord(child)) out.push(...extraFields(child, properties.get(key)).map((p) => `${key}/${p}`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

function resolve(source: ScenarioSource, request: RecordedRequest): Scenario {
  return typeof source === "function" ? source(request) : source;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A chunk carrying answer text (a non-empty `delta.content`). */
function hasText(chunk: object): boolean {
  const choices = (chunk as { choices?: Array<{ delta?: { content?: unknown } }> }).choices;
  const content = choices?.[0]?.delta?.content;
  return typeof content === "string" && content !== "";
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

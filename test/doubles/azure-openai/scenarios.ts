// What a test can script: scenarios, recorded requests, the double's interface and its defaults.
import type { IncomingHttpHeaders } from "node:http";
import type { EmbeddingsScenarioSource } from "./embeddings.js";

export type RouteKind = "azure-deployment" | "azure-v1" | "azure-inference" | "openai-compatible";

/** What a request asks for: a chat completion or embeddings. */
export type Operation = "chat" | "embeddings" | "completions";

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
  usage?: { promptTokens: number; completionTokens: number; reasoningTokens?: number };
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

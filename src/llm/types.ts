import type { Citation } from "../citations/types.js";
import type { ModelProfile } from "./models.js";

// The LLM port: what the engine needs from any chat-completions endpoint.

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** Generation settings, already validated against their ranges (src/settings). */
export interface GenerationOptions {
  temperature?: number;
  topP?: number;
  /** Upper bound on reply tokens; sent as max_tokens or max_completion_tokens as the model needs. */
  maxTokens?: number;
  /** Up to 4 stop sequences. */
  stop?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** How long a reasoning model thinks (reasoning_effort); sent only to models that take it. */
  reasoningEffort?: string;
}

/**
 * An "On Your Data" data source, ready for the request's `data_sources` array:
 * `{ type: "azure_search", parameters: { ... } }` as the configured api-version defines it.
 */
export interface DataSourceRequest {
  type: string;
  parameters: Record<string, unknown>;
}

export interface CompletionRequest {
  /** Azure deployment name, inference-endpoint model name, or OpenAI-compatible model id. */
  model: string;
  /** What the model accepts (max_completion_tokens, sampling parameters); see models.ts. */
  profile: ModelProfile;
  messages: ChatMessage[];
  options: GenerationOptions;
  /** At most one data source (the service takes exactly one). */
  dataSource?: DataSourceRequest;
  signal?: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** The part of completionTokens a reasoning model spent thinking, when it says. */
  reasoningTokens?: number;
}

export type CompletionEvent =
  /** A piece of answer text, in order. */
  | { type: "text"; text: string }
  /** On Your Data: the retrieved documents the answer's [docN] markers refer to (docN = citations[N-1]). */
  | { type: "citations"; citations: Citation[]; intent?: string }
  /** The stream ended normally. `usage` is absent when the endpoint sent no usage chunk. */
  | { type: "done"; finishReason: string; usage?: TokenUsage };

/** A short answer read whole (no streaming): the search-query rewrite. */
export interface CompletionResult {
  text: string;
  /** Absent when the endpoint sent none; callers count the tokens themselves then. */
  usage?: TokenUsage;
}

export interface EmbeddingRequest {
  /** The embeddings deployment (Azure) or model id. */
  model: string;
  input: string;
  signal?: AbortSignal;
}

export interface EmbeddingResult {
  vector: number[];
  /** Tokens the service counted for the input (0 when it sent no usage). */
  tokens: number;
}

export type EndpointKind = "azure-deployment" | "azure-v1" | "azure-inference" | "openai-compatible";

export interface LlmClient {
  readonly kind: EndpointKind;
  /**
   * Streams one completion. Errors are thrown as BotError (src/errors.ts) with llm_* codes, either
   * before the first event or from the iterator mid-way (llm_stream_cut, llm_content_filter, ...).
   * 429s are retried inside up to a bound before llm_rate_limited is thrown.
   */
  stream(request: CompletionRequest): AsyncIterable<CompletionEvent>;
  /** One completion read whole, with the same error mapping; 429s are not retried (callers fall back). */
  complete(request: CompletionRequest): Promise<CompletionResult>;
  /** The embedding of one text, on the same endpoint and credentials as chat. */
  embed(request: EmbeddingRequest): Promise<EmbeddingResult>;
  /** Gets what the first request will need (an Entra ID token); absent when nothing is needed. */
  warmUp?(): Promise<void>;
}

/** Everything the LLM client needs, resolved from the environment by src/config.ts. */
export interface LlmEndpointConfig {
  kind: EndpointKind;
  /**
   * azure-deployment / azure-v1: the resource endpoint, e.g. https://my-res.openai.azure.com/
   * azure-inference: the model inference endpoint, e.g. https://my-res.services.ai.azure.com/models
   * openai-compatible: the base URL, e.g. https://api.openai.com/v1 or http://localhost:11434/v1
   */
  endpoint: string;
  /** Unset: Microsoft Entra ID (azure kinds) or no auth (openai-compatible). */
  apiKey?: string;
  /** azure-deployment: a dated api-version; azure-inference: its api-version; otherwise unused. */
  apiVersion: string;
  /** User-assigned managed identity client id for Entra ID auth. */
  managedIdentityClientId?: string;
  /** Entra ID token scope, e.g. https://cognitiveservices.azure.com/.default */
  tokenScope: string;
  /** Per-request timeout, including the whole stream. */
  timeoutMs: number;
  /** How many times a 429 is retried before the user is told to wait. */
  maxRateLimitRetries: number;
  /** Longest single wait on a 429's retry-after; a longer ask goes straight to the user. */
  maxRetryWaitMs: number;
}

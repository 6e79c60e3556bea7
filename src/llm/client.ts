// The LlmClient on the `openai` package, for the four endpoint kinds. The SDK's own retries are off:
// 429s and one transient failure are retried here, honouring retry-after, and only before any text.
import { setTimeout as sleep } from "node:timers/promises";
import type { TokenCredential } from "@azure/identity";
import { AzureOpenAI, type ClientOptions, OpenAI } from "openai";
import { BotError } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import { type LlmAuth, resolveAuth } from "./auth.js";
import { asChatChunk, buildCompletionsBody, type CompletionsBody } from "./completions-request.js";
import { type ErrorContext, retryAfterMsOf, toBotError } from "./error-mapping.js";
import {
  buildChatBody,
  dataSourcesSupported,
  inferenceExtraParameters,
  streamUsageSupported,
} from "./request.js";
import { type RetryState, retryDelayMs } from "./retry.js";
import { sseChunks } from "./sse.js";
import { parseChatStream } from "./stream.js";
import type {
  CompletionEvent,
  CompletionRequest,
  CompletionResult,
  EmbeddingRequest,
  EmbeddingResult,
  LlmClient,
  LlmEndpointConfig,
} from "./types.js";

export interface LlmClientDeps {
  logger?: Logger;
  /** Replaces DefaultAzureCredential (tests inject a fake). */
  credential?: TokenCredential;
  fetch?: typeof fetch;
}

/** The SDK insists on an apiKey even when auth travels in `api-key` or the server needs none (Ollama). */
export const PLACEHOLDER_API_KEY = "not-used";

export function createLlmClient(config: LlmEndpointConfig, deps: LlmClientDeps = {}): LlmClient {
  const logger = (deps.logger ?? silentLogger).child({ component: "llm", endpointKind: config.kind });
  const auth = resolveAuth(config, deps.credential);
  const sdk = createSdkClient(config, auth, deps.fetch, logger);
  const includeUsage = streamUsageSupported(config.kind, config.apiVersion);
  return {
    kind: config.kind,
    ...(auth.kind === "entra-id" ? { warmUp: async () => void (await auth.getToken()) } : {}),
    stream: (request) => streamWithRetries(sdk, config, request, includeUsage, logger),
    complete: (request) => completeOnce(sdk, config, request),
    embed: (request) => embedOnce(sdk, config, request),
  };
}

/** Options of one call: the caller's signal and the configured timeout, no SDK retries. */
function callOptions(config: LlmEndpointConfig, signal: AbortSignal | undefined, body?: object) {
  const extraParameters =
    config.kind === "azure-inference" && body ? inferenceExtraParameters(body) : undefined;
  return {
    signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs)]) : undefined,
    timeout: config.timeoutMs,
    maxRetries: 0,
    ...(extraParameters ? { headers: { "extra-parameters": extraParameters } } : {}),
  };
}

async function completeOnce(
  sdk: OpenAI,
  config: LlmEndpointConfig,
  request: CompletionRequest,
): Promise<CompletionResult> {
  const {
    stream: _stream,
    stream_options: _options,
    ...body
  } = buildChatBody(request, { includeUsage: false });
  try {
    const response = await sdk.chat.completions.create(
      { ...body, stream: false },
      callOptions(config, request.signal, body),
    );
    const text = response.choices[0]?.message?.content ?? "";
    const usage = response.usage
      ? { promptTokens: response.usage.prompt_tokens, completionTokens: response.usage.completion_tokens }
      : undefined;
    return { text, ...(usage ? { usage } : {}) };
  } catch (err) {
    if (request.signal?.aborted) throw abortError(request.signal, config.timeoutMs);
    throw toBotError(err, { model: request.model, phase: "request" });
  }
}

async function embedOnce(
  sdk: OpenAI,
  config: LlmEndpointConfig,
  request: EmbeddingRequest,
): Promise<EmbeddingResult> {
  try {
    // A list even for one text: the model inference endpoint's spec takes only a list (and some
    // of its models refuse a bare string).
    const response = await sdk.embeddings.create(
      { model: request.model, input: [request.input] },
      callOptions(config, request.signal),
    );
    const vector = response.data[0]?.embedding;
    if (!vector) throw new BotError("llm_bad_request", "the embeddings response held no vector");
    return { vector, tokens: response.usage?.prompt_tokens ?? 0 };
  } catch (err) {
    if (request.signal?.aborted) throw abortError(request.signal, config.timeoutMs);
    throw toBotError(err, { model: request.model, phase: "request" });
  }
}

async function* streamWithRetries(
  sdk: OpenAI,
  config: LlmEndpointConfig,
  request: CompletionRequest,
  includeUsage: boolean,
  logger: Logger,
): AsyncGenerator<CompletionEvent> {
  // One deadline for the whole call, retries and waits included: it bounds how long a user waits.
  const deadline = AbortSignal.timeout(config.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
  const startedAt = performance.now();
  const aborted = () => abortError(request.signal, config.timeoutMs);
  if (request.dataSource && !dataSourcesSupported(config.kind)) throw unsupportedDataSource(config.kind);
  const errorContext = { model: request.model, dataSource: request.dataSource };
  const completions = request.profile.api === "completions";
  if (completions && request.dataSource) throw completionsWithDataSource(request.model);
  const body = completions ? buildCompletionsBody(request) : buildChatBody(request, { includeUsage });
  const extraParameters = config.kind === "azure-inference" ? inferenceExtraParameters(body) : undefined;
  const headers = extraParameters ? { "extra-parameters": extraParameters } : undefined;
  // The SDK sends the request and turns an error status into its APIError; the body is read here.
  const send = (options: SendOptions): Promise<Response> =>
    completions
      ? sdk.completions.create(body as CompletionsBody, options).asResponse()
      : sdk.chat.completions.create(body as ReturnType<typeof buildChatBody>, options).asResponse();
  const state: RetryState = { rateLimitRetries: 0, transientRetries: 0 };

  for (let attempt = 1; ; attempt++) {
    let textYielded = false;
    // Held until the attempt's first text (or its end): an attempt that fails before any text is
    // retried, and the retry's citations must not follow the failed attempt's.
    let heldCitations: CompletionEvent | undefined;
    try {
      const remainingMs = config.timeoutMs - (performance.now() - startedAt);
      const chunks = openChunks(
        send,
        { signal, timeout: Math.max(1, Math.floor(remainingMs)), headers },
        errorContext,
        aborted,
      );
      for await (const event of parseChatStream(completions ? mapChunks(chunks, asChatChunk) : chunks)) {
        if (event.type === "citations" && !textYielded) {
          heldCitations = event;
          continue;
        }
        if (heldCitations) {
          yield heldCitations;
          heldCitations = undefined;
        }
        if (event.type === "text") textYielded = true;
        yield event;
      }
      return;
    } catch (err) {
      const error = signal.aborted ? aborted() : toBotError(err, { ...errorContext, phase: "request" });
      if (textYielded) throw error;
      const remainingMs = config.timeoutMs - (performance.now() - startedAt);
      const waitMs = retryDelayMs(error, retryAfterMsOf(error.cause), state, config, remainingMs);
      if (waitMs === undefined) throw error;
      if (error.code === "llm_rate_limited") state.rateLimitRetries++;
      else state.transientRetries++;
      logger.warn(
        { code: error.code, status: error.details.status, model: request.model, attempt, waitMs },
        "LLM request failed before any text; retrying",
      );
      try {
        await sleep(waitMs, undefined, { signal });
      } catch {
        throw aborted();
      }
    }
  }
}

interface CallOptions {
  signal: AbortSignal;
  timeout: number;
  headers: Record<string, string> | undefined;
}

type SendOptions = CallOptions & { maxRetries: number };

/** The raw chunks of one attempt; every failure leaves as a BotError saying where it happened. */
async function* openChunks(
  send: (options: SendOptions) => Promise<Response>,
  options: CallOptions,
  context: Omit<ErrorContext, "phase">,
  aborted: () => BotError,
): AsyncGenerator<unknown> {
  const { signal } = options;
  let response: Response;
  try {
    response = await send({ ...options, maxRetries: 0 });
  } catch (err) {
    throw signal.aborted ? aborted() : toBotError(err, { ...context, phase: "request" });
  }
  try {
    yield* sseChunks(response);
  } catch (err) {
    throw signal.aborted ? aborted() : toBotError(err, { ...context, phase: "stream" });
  }
  // A body that ends because the signal aborted is a timeout or a cancel, not an answer.
  if (signal.aborted) throw aborted();
}

async function* mapChunks(
  chunks: AsyncIterable<unknown>,
  map: (chunk: unknown) => unknown,
): AsyncGenerator<unknown> {
  for await (const chunk of chunks) yield map(chunk);
}

/** On Your Data needs chat messages: a Completions deployment cannot ground an answer that way. */
function completionsWithDataSource(model: string): BotError {
  return new BotError(
    "datasource_error",
    `a data source was requested with the Completions deployment ${model}`,
    {
      hint: "On Your Data works with chat deployments only: pick a chat model for this conversation, or set AZURE_SEARCH_MODE=search (the bot's own search works with every model)",
    },
  );
}

/** On Your Data is an Azure OpenAI extension: other endpoints would ignore or refuse `data_sources`. */
function unsupportedDataSource(kind: LlmEndpointConfig["kind"]): BotError {
  const where =
    kind === "azure-inference"
      ? "the Azure AI model inference endpoint (/models) has no data_sources field"
      : "OpenAI-compatible servers do not know data_sources";
  return new BotError("datasource_error", `a data source was requested on a ${kind} endpoint: ${where}`, {
    hint: "On Your Data needs an Azure OpenAI endpoint (AZURE_OPENAI_ENDPOINT with a dated OPENAI_API_VERSION or v1); turn the data source off or change the endpoint",
  });
}

function abortError(callerSignal: AbortSignal | undefined, timeoutMs: number): BotError {
  if (callerSignal?.aborted) {
    const reason: unknown = callerSignal.reason;
    return reason instanceof BotError
      ? reason
      : new BotError("llm_timeout", "the completion was cancelled by the caller", {}, { cause: reason });
  }
  return new BotError("llm_timeout", `no complete answer within ${timeoutMs} ms`);
}

function createSdkClient(
  config: LlmEndpointConfig,
  auth: LlmAuth,
  fetchImpl: typeof fetch | undefined,
  logger: Logger,
): OpenAI {
  const common = {
    maxRetries: 0,
    timeout: config.timeoutMs,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
    logger: sdkLogger(logger),
    logLevel: "warn",
    // Explicit nulls keep the SDK from reading OPENAI_ORG_ID / OPENAI_PROJECT_ID / OPENAI_ADMIN_KEY.
    organization: null,
    project: null,
    adminAPIKey: null,
  } satisfies ClientOptions;

  switch (config.kind) {
    case "azure-deployment": {
      // No fixed `deployment`: the SDK puts the request's `model` in /openai/deployments/{model}/...
      // baseURL null: ignore OPENAI_BASE_URL, which the SDK would otherwise read and reject next to `endpoint`.
      const base = { ...common, baseURL: null, endpoint: config.endpoint, apiVersion: config.apiVersion };
      if (auth.kind === "entra-id") return new AzureOpenAI({ ...base, azureADTokenProvider: auth.getToken });
      if (auth.kind === "api-key") return new AzureOpenAI({ ...base, apiKey: auth.apiKey });
      throw new BotError("config_invalid", "Azure OpenAI needs an API key or Microsoft Entra ID");
    }
    case "azure-v1":
      return new OpenAI({
        ...common,
        baseURL: joinUrl(config.endpoint, "openai/v1/"),
        ...azureAuthOptions(auth),
      });
    case "azure-inference":
      return new OpenAI({
        ...common,
        baseURL: config.endpoint,
        defaultQuery: { "api-version": config.apiVersion },
        ...azureAuthOptions(auth),
      });
    case "openai-compatible":
      return new OpenAI({
        ...common,
        baseURL: config.endpoint,
        apiKey:
          auth.kind === "api-key"
            ? auth.apiKey
            : auth.kind === "entra-id"
              ? auth.getToken
              : PLACEHOLDER_API_KEY,
      });
  }
}

/** Azure routes used through the plain client: the key goes in `api-key`, a token as a bearer. */
function azureAuthOptions(auth: LlmAuth): Pick<ClientOptions, "apiKey" | "defaultHeaders"> {
  if (auth.kind === "entra-id") return { apiKey: auth.getToken };
  if (auth.kind === "api-key") {
    return { apiKey: PLACEHOLDER_API_KEY, defaultHeaders: { "api-key": auth.apiKey, Authorization: null } };
  }
  throw new BotError("config_invalid", "Azure endpoints need an API key or Microsoft Entra ID");
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path}`;
}

/** Routes the SDK's own log lines into pino (which scrubs secrets). */
function sdkLogger(logger: Logger): NonNullable<ClientOptions["logger"]> {
  const child = logger.child({ component: "openai-sdk" });
  return {
    error: (message, ...rest) => child.error({ detail: rest }, message),
    warn: (message, ...rest) => child.warn({ detail: rest }, message),
    info: (message, ...rest) => child.info({ detail: rest }, message),
    debug: (message, ...rest) => child.debug({ detail: rest }, message),
  };
}

// The chat-completions request body, built from a CompletionRequest. Pure: what is sent depends only
// on the request, the model profile and the endpoint kind/api-version.
import type { ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import type { CompletionRequest, DataSourceRequest, EndpointKind } from "./types.js";

/** The body sent: the SDK's streaming params plus Azure's On Your Data extension. */
export type ChatBody = ChatCompletionCreateParamsStreaming & { data_sources?: DataSourceRequest[] };

/**
 * Endpoint kinds that take `data_sources` (Azure OpenAI "On Your Data"): the deployment route
 * (2024-10-21 spec: createChatCompletionRequest.data_sources) and the /openai/v1 route (v1 preview
 * reference, "Create chat completion": "data_sources: The data sources to use for the On Your Data
 * feature, exclusive to Azure OpenAI"). The model inference endpoint's ChatCompletionsOptions
 * (2025-04-01) has no such field, and OpenAI-compatible servers do not know it.
 */
const DATA_SOURCE_KINDS: ReadonlySet<EndpointKind> = new Set(["azure-deployment", "azure-v1"]);

export function dataSourcesSupported(kind: EndpointKind): boolean {
  return DATA_SOURCE_KINDS.has(kind);
}

/**
 * Request fields Azure OpenAI refuses next to `data_sources`; buildChatBody leaves them out.
 *   - stream_options: 400 "Validation error at #/stream_options: Extra inputs are not permitted"
 *     (openai/openai-python#2296 with api-version 2024-09-01-preview, Azure/azure-sdk-for-js#30751,
 *     microsoft/semantic-kernel#10510). Without it no usage chunk comes back (also
 *     Azure/azure-sdk-for-net#50719), so `done` carries no usage with a data source.
 *   - logprobs, top_logprobs: On Your Data API reference, data_sources: "When you specify the
 *     data_sources parameter, you won't be able to use the logprobs or top_logprobs parameters."
 *   - tools, tool_choice, functions, function_call, parallel_tool_calls: 400 "Functions are not
 *     supported for this API version or this model version" with data_sources
 *     (MicrosoftDocs/azure-docs#120070).
 * Sampling (temperature, top_p, presence/frequency penalties), stop and max_tokens /
 * max_completion_tokens stay: the 2024-10-21 request schema has them beside data_sources and no
 * refusal of them is documented. The bot never sends the others; they are listed so they never will.
 */
export const REFUSED_WITH_DATA_SOURCES = [
  "stream_options",
  "logprobs",
  "top_logprobs",
  "tools",
  "tool_choice",
  "functions",
  "function_call",
  "parallel_tool_calls",
] as const;

/** API limit on `stop` (Azure 2024-10-21 spec: maxItems 4). Settings validate this; we trim defensively. */
export const MAX_STOP_SEQUENCES = 4;

/**
 * First dated Azure api-version that accepts `stream_options` (2024-09-01-preview). The 2024-10-21 GA
 * spec does not list it, but its schema allows extra fields and the service honours it; older
 * versions answer 400 "Unrecognized request argument supplied: stream_options".
 */
export const STREAM_OPTIONS_SINCE_API_VERSION = "2024-09-01";

const DATED_API_VERSION = /^(\d{4}-\d{2}-\d{2})(-preview)?$/;

/** Whether to ask for the final usage chunk (`stream_options.include_usage`). */
export function streamUsageSupported(kind: EndpointKind, apiVersion: string): boolean {
  if (kind !== "azure-deployment") return true;
  const dated = DATED_API_VERSION.exec(apiVersion.trim());
  // A non-dated version ("latest", "preview") is newer than any dated one we know.
  return dated?.[1] === undefined || dated[1] >= STREAM_OPTIONS_SINCE_API_VERSION;
}

export function buildChatBody(request: CompletionRequest, options: { includeUsage: boolean }): ChatBody {
  const { profile, options: gen } = request;
  const body: ChatBody = {
    // Azure's deployment route takes the deployment from the path; the SDK builds that path from this field.
    model: request.model,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    stream: true,
  };
  if (options.includeUsage) body.stream_options = { include_usage: true };
  // Reasoning models reject sampling parameters outright (400 unsupported_parameter).
  if (!profile.reasoning) {
    if (gen.temperature !== undefined) body.temperature = gen.temperature;
    if (gen.topP !== undefined) body.top_p = gen.topP;
    if (gen.presencePenalty !== undefined) body.presence_penalty = gen.presencePenalty;
    if (gen.frequencyPenalty !== undefined) body.frequency_penalty = gen.frequencyPenalty;
  }
  if (gen.reasoningEffort !== undefined && profile.reasoningEfforts?.includes(gen.reasoningEffort)) {
    body.reasoning_effort = gen.reasoningEffort as ChatBody["reasoning_effort"];
  }
  if (gen.maxTokens !== undefined) {
    if (profile.usesMaxCompletionTokens) body.max_completion_tokens = gen.maxTokens;
    else body.max_tokens = gen.maxTokens;
  }
  const stop = gen.stop?.filter((s) => s.length > 0).slice(0, MAX_STOP_SEQUENCES);
  if (stop && stop.length > 0) body.stop = stop;
  if (request.dataSource) {
    for (const field of REFUSED_WITH_DATA_SOURCES) delete body[field];
    // Exactly one entry: the service takes one data source per request.
    body.data_sources = [{ type: request.dataSource.type, parameters: request.dataSource.parameters }];
  }
  return body;
}

/** Fields of ChatCompletionsOptions in the Azure AI model inference spec (2025-04-01). */
const INFERENCE_KNOWN_FIELDS = new Set([
  "messages",
  "frequency_penalty",
  "stream",
  "presence_penalty",
  "temperature",
  "top_p",
  "max_tokens",
  "response_format",
  "stop",
  "tools",
  "tool_choice",
  "seed",
  "model",
  "modalities",
]);

/**
 * The model inference endpoint rejects fields it does not define unless told otherwise with the
 * `extra-parameters` header (default "error"). "pass-through" hands them to the model, which is what
 * `stream_options` and `max_completion_tokens` need.
 */
export function inferenceExtraParameters(body: object): "pass-through" | undefined {
  return Object.keys(body).some((key) => !INFERENCE_KNOWN_FIELDS.has(key)) ? "pass-through" : undefined;
}

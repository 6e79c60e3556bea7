// The chat-completions request body, built from a CompletionRequest. Pure: what is sent depends only
// on the request, the model profile and the endpoint kind/api-version.
import type { ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import type { CompletionRequest, EndpointKind } from "./types.js";

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

export function buildChatBody(
  request: CompletionRequest,
  options: { includeUsage: boolean },
): ChatCompletionCreateParamsStreaming {
  const { profile, options: gen } = request;
  const body: ChatCompletionCreateParamsStreaming = {
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
  if (gen.maxTokens !== undefined) {
    if (profile.usesMaxCompletionTokens) body.max_completion_tokens = gen.maxTokens;
    else body.max_tokens = gen.maxTokens;
  }
  const stop = gen.stop?.filter((s) => s.length > 0).slice(0, MAX_STOP_SEQUENCES);
  if (stop && stop.length > 0) body.stop = stop;
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

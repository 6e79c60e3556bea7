// Wire facts the double answers by: spec and schema names per route, content-filter shapes, the
// service's own error wording (from captured answers), and the routes.
import type { SpecName } from "../spec-validator.js";
import { COMPLETIONS_ROUTE } from "./completions.js";
import { EMBEDDINGS_ROUTES } from "./embeddings.js";
import type { FilterCategory, Operation, RouteKind } from "./scenarios.js";

export const SPEC: Record<RouteKind, SpecName> = {
  "azure-deployment": "azure-openai-2024-10-21",
  "azure-v1": "azure-openai-2024-10-21",
  "openai-compatible": "azure-openai-2024-10-21",
  "azure-inference": "azure-ai-inference-2025-04-01",
};

export const SCHEMAS: Record<SpecName, { request: string; response: string; chunk: string; error: string }> =
  {
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

export const SEVERITY_CATEGORIES = new Set<FilterCategory>(["hate", "sexual", "violence", "self_harm"]);
export const SAFE = { filtered: false, severity: "safe" };
export const SAFE_COMPLETION_FILTERS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
export const SAFE_PROMPT_FILTERS = {
  ...SAFE_COMPLETION_FILTERS,
  jailbreak: { filtered: false, detected: false },
};

export const MESSAGES = {
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

export const CHAT_ROUTES: Array<{ kind: RouteKind; pattern: RegExp }> = [
  { kind: "azure-deployment", pattern: /^\/openai\/deployments\/([^/]+)\/chat\/completions$/ },
  { kind: "azure-v1", pattern: /^\/openai\/v1\/chat\/completions$/ },
  { kind: "azure-inference", pattern: /^\/models\/chat\/completions$/ },
  { kind: "openai-compatible", pattern: /^\/v1\/chat\/completions$/ },
];

export const ROUTES: Array<{ kind: RouteKind; operation: Operation; pattern: RegExp }> = [
  ...CHAT_ROUTES.map((route) => ({ ...route, operation: "chat" as const })),
  ...EMBEDDINGS_ROUTES.map((route) => ({ ...route, operation: "embeddings" as const })),
  { kind: "azure-deployment", operation: "completions", pattern: COMPLETIONS_ROUTE },
];

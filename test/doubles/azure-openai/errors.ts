// Scripted failures: the service's error answers per route kind (status, body, headers).
import type { FilterCategory, Operation, RouteKind, Scenario, StreamScript } from "./scenarios.js";
import type { Wire } from "./wire.js";
import { MESSAGES, SAFE_PROMPT_FILTERS, SEVERITY_CATEGORIES } from "./wire-facts.js";

export type OnYourDataOnlyScenario = Extract<
  Scenario,
  { kind: "not-in-data" | "search-auth-failed" | "search-index-not-found" }
>;
export type ErrorScenario = Exclude<
  Scenario,
  StreamScript | OnYourDataOnlyScenario | { kind: "completion-filtered" | "cut" | "hang" }
>;

export function isOnYourDataOnly(scenario: Scenario): scenario is OnYourDataOnlyScenario {
  return (
    scenario.kind === "not-in-data" ||
    scenario.kind === "search-auth-failed" ||
    scenario.kind === "search-index-not-found"
  );
}

export interface ErrorAnswer {
  status: number;
  body: object;
  headers?: Record<string, string>;
}

/**
 * The embeddings queue's errors are a subset of these, answered the same way (validated as the route's
 * error schema too: the 2024-10-21 embeddings path documents no error body).
 */
export function playError(
  wire: Wire,
  route: RouteKind,
  scenario: ErrorScenario,
  model?: string,
  operation: Operation = "chat",
): void {
  const { status, body, headers } = errorAnswer(route, scenario, model, operation);
  wire.error(status, body, headers);
}

export function errorAnswer(
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

export function withFiltered(base: Record<string, object>, category: FilterCategory): Record<string, object> {
  const fired = SEVERITY_CATEGORIES.has(category)
    ? { filtered: true, severity: "high" }
    : { filtered: true, detected: true };
  return { ...base, [category]: fired };
}

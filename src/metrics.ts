// Prometheus metrics, on a registry of our own so tests and benchmarks can make fresh ones.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface Metrics {
  registry: Registry;
  turns: Counter<"platform" | "outcome">;
  tokens: Counter<"direction">;
  llmFirstToken: Histogram;
  llmDuration: Histogram;
  errors: Counter<"kind">;
  activeStreams: Gauge;
  feedback: Counter<"platform" | "reaction">;
  searchDuration: Histogram<"mode">;
  searchErrors: Counter<"kind">;
  sourcesPerAnswer: Histogram;
  rewriteTokens: Counter;
  embeddingTokens: Counter;
  degradedTurns: Counter;
  usageTokens: Counter<"model" | "workspace" | "kind">;
  usageCost: Counter<"model" | "workspace">;
  quotaRefusals: Counter<"scope" | "period">;
  accessRefusals: Counter<"reason">;
}

const LATENCY_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120];
const SEARCH_BUCKETS_S = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];
const SOURCE_COUNT_BUCKETS = [0, 1, 2, 3, 5, 8, 13, 20];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    turns: new Counter({
      name: "bot_turns_total",
      help: "Conversation turns handled, by platform and outcome (answered, failed, command)",
      labelNames: ["platform", "outcome"],
      registers: [registry],
    }),
    tokens: new Counter({
      name: "bot_tokens_total",
      help: "Tokens used, by direction (in = prompt, out = completion)",
      labelNames: ["direction"],
      registers: [registry],
    }),
    llmFirstToken: new Histogram({
      name: "bot_llm_first_token_seconds",
      help: "Time from sending the completion request to the first answer text",
      buckets: LATENCY_BUCKETS_S,
      registers: [registry],
    }),
    llmDuration: new Histogram({
      name: "bot_llm_duration_seconds",
      help: "Time from sending the completion request to the end of the stream",
      buckets: LATENCY_BUCKETS_S,
      registers: [registry],
    }),
    errors: new Counter({
      name: "bot_errors_total",
      help: "Errors by kind (the error code)",
      labelNames: ["kind"],
      registers: [registry],
    }),
    feedback: new Counter({
      name: "bot_feedback_total",
      help: "Feedback on answers, by platform and reaction (positive, negative)",
      labelNames: ["platform", "reaction"],
      registers: [registry],
    }),
    searchDuration: new Histogram({
      name: "bot_search_duration_seconds",
      help: "Time a document search took (the bot's own search: index or knowledge base), failures included",
      labelNames: ["mode"],
      buckets: SEARCH_BUCKETS_S,
      registers: [registry],
    }),
    searchErrors: new Counter({
      name: "bot_search_errors_total",
      help: "Document searches that failed, by kind (refused, missing, throttled, timeout, invalid, unavailable)",
      labelNames: ["kind"],
      registers: [registry],
    }),
    sourcesPerAnswer: new Histogram({
      name: "bot_answer_sources",
      help: "Sources a grounded answer cited",
      buckets: SOURCE_COUNT_BUCKETS,
      registers: [registry],
    }),
    rewriteTokens: new Counter({
      name: "bot_search_rewrite_tokens_total",
      help: "Tokens spent rewriting follow-up questions into standalone search queries",
      registers: [registry],
    }),
    embeddingTokens: new Counter({
      name: "bot_search_embedding_tokens_total",
      help: "Tokens spent embedding search queries (AZURE_OPENAI_EMBEDDING_DEPLOYMENT)",
      registers: [registry],
    }),
    degradedTurns: new Counter({
      name: "bot_degraded_turns_total",
      help: "Turns answered without history and settings because the store (Redis) was unreachable",
      registers: [registry],
    }),
    // Bounded labels: models come from LLM_ALLOWED_MODELS, workspaces are the installs; no user ids.
    usageTokens: new Counter({
      name: "bot_usage_tokens_total",
      help: "Tokens in the usage ledger by model, workspace (or tenant) and kind (prompt, completion, extra: search rewrite and embedding, reasoning: part of completion)",
      labelNames: ["model", "workspace", "kind"],
      registers: [registry],
    }),
    usageCost: new Counter({
      name: "bot_usage_cost_total",
      help: "Estimated cost from MODEL_PRICES (in its currency) by model and workspace",
      labelNames: ["model", "workspace"],
      registers: [registry],
    }),
    quotaRefusals: new Counter({
      name: "bot_quota_refusals_total",
      help: "Turns refused because a token quota was reached, by scope (user, conversation, workspace) and period (day, month)",
      labelNames: ["scope", "period"],
      registers: [registry],
    }),
    accessRefusals: new Counter({
      name: "bot_access_refusals_total",
      help: "Messages not answered because of the allow-lists, by reason (user: not an allowed user; channel: not an allowed channel or team)",
      labelNames: ["reason"],
      registers: [registry],
    }),
    activeStreams: new Gauge({
      name: "bot_active_streams",
      help: "Replies being streamed right now",
      registers: [registry],
    }),
  };
}

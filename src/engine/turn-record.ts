// What a finished turn leaves behind: the exchange in the thread's history, the token metrics, and
// the turn in the usage ledger (per user, conversation, workspace, model and UTC day). Tokens are counted even when the answer is empty (a reasoning model can
// spend its whole budget thinking): that is exactly the usage an admin needs to see.
import type { Config } from "../config.js";
import type { TokenizerEncoding } from "../llm/models.js";
import type { TokenUsage } from "../llm/types.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { Store, StoredMessage } from "../store/types.js";
import type { Hold } from "../store/usage.js";
import { costMicros, type PriceTable } from "../usage/prices.js";
import { countTokens } from "./tokens.js";
import { type IncomingMessage, whoOf } from "./types.js";

export interface FinishedTurn {
  message: IncomingMessage;
  /** The answer as the user saw it (what was shown when they stopped it). */
  text: string;
  /** The model's own counts, when it sent them. */
  usage?: TokenUsage;
  /** Counted while building the prompt: all of it, and the user's message alone. */
  promptTokens: number;
  userTokens: number;
  /** Tokens spent before the answer (search-query rewrite, query embedding), on the prompt side. */
  extraPromptTokens: number;
  /** The same, apart: the search-query rewrite and the query embedding. */
  searchTokens?: { rewrite: number; embedding: number };
  encoding: TokenizerEncoding;
  /** The model (deployment) that answered. */
  model: string;
  /** The turn's hold on its quotas (released now). */
  hold?: Hold;
  /** When the turn started: its usage counts for that UTC day. */
  startedAt: number;
  at: number;
}

export interface TurnRecordDeps {
  store: Store;
  metrics: Metrics;
  history: Config["history"];
  prices: PriceTable;
  /** Counts a failure in bot_errors_total. */
  countError(err: unknown): void;
}

/** Records `turn`; returns the token counts for the log line. Never throws. */
export async function recordTurn(
  deps: TurnRecordDeps,
  turn: FinishedTurn,
  log: Logger,
): Promise<{ promptTokens: number; completionTokens: number }> {
  const { message, text, encoding } = turn;
  const completionTokens = turn.usage?.completionTokens ?? countTokens(text, encoding);
  const modelPromptTokens = turn.usage?.promptTokens ?? turn.promptTokens;
  const promptTokens = modelPromptTokens + turn.extraPromptTokens;
  deps.metrics.tokens.inc({ direction: "in" }, promptTokens);
  deps.metrics.tokens.inc({ direction: "out" }, completionTokens);
  await recordUsage(deps, turn, modelPromptTokens, completionTokens, log);
  if (text.trim() !== "") {
    await persist(
      deps,
      message,
      [
        ...(message.priorContext ?? []),
        {
          role: "user",
          content: message.text,
          at: turn.at,
          userId: message.userId,
          tokens: turn.userTokens,
          encoding,
        },
        { role: "assistant", content: text, at: turn.at, tokens: countTokens(text, encoding), encoding },
      ],
      log,
    );
  }
  return { promptTokens, completionTokens };
}

/** The turn in the usage ledger (and /metrics), releasing what it held. Never throws. */
async function recordUsage(
  deps: TurnRecordDeps,
  turn: FinishedTurn,
  promptTokens: number,
  completionTokens: number,
  log: Logger,
): Promise<void> {
  const { message, model } = turn;
  const usage = {
    model,
    promptTokens,
    completionTokens,
    extraTokens: turn.extraPromptTokens,
    rewriteTokens: turn.searchTokens?.rewrite ?? 0,
    embeddingTokens: turn.searchTokens?.embedding ?? 0,
    reasoningTokens: turn.usage?.reasoningTokens ?? 0,
    costMicros: costMicros(deps.prices, model, promptTokens + turn.extraPromptTokens, completionTokens),
  };
  const workspace = message.workspaceScope;
  const { usageTokens, usageCost } = deps.metrics;
  usageTokens.inc({ model, workspace, kind: "prompt" }, usage.promptTokens);
  usageTokens.inc({ model, workspace, kind: "completion" }, usage.completionTokens);
  if (usage.extraTokens > 0) usageTokens.inc({ model, workspace, kind: "extra" }, usage.extraTokens);
  if (usage.reasoningTokens > 0)
    usageTokens.inc({ model, workspace, kind: "reasoning" }, usage.reasoningTokens);
  if (usage.costMicros > 0) usageCost.inc({ model, workspace }, usage.costMicros / 1_000_000);
  await deps.store.recordTurnUsage(whoOf(message), usage, turn.hold, turn.startedAt).catch((err: unknown) => {
    log.warn({ err }, "could not record usage");
  });
}

/**
 * Appends the finished exchange. The store keeps it for Redis's return when Redis is unreachable
 * (src/store/resilient.ts), so a failure here is a refusal, not an outage.
 */
async function persist(
  deps: TurnRecordDeps,
  message: IncomingMessage,
  messages: StoredMessage[],
  log: Logger,
): Promise<void> {
  try {
    await deps.store.append(message.threadKey, messages, {
      maxMessages: deps.history.maxStored,
      ttlSeconds: deps.history.ttlSeconds,
    });
  } catch (err) {
    deps.countError(err);
    log.error({ err }, "could not store the finished turn; it is shown but not remembered");
  }
}

// What a finished turn leaves behind: the exchange in the thread's history, the token metrics, and
// the conversation's usage. Tokens are counted even when the answer is empty (a reasoning model can
// spend its whole budget thinking): that is exactly the usage an admin needs to see.
import type { Config } from "../config.js";
import type { TokenizerEncoding } from "../llm/models.js";
import type { TokenUsage } from "../llm/types.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { Store, StoredMessage } from "../store/types.js";
import { countTokens } from "./tokens.js";
import type { IncomingMessage } from "./types.js";

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
  encoding: TokenizerEncoding;
  at: number;
}

export interface TurnRecordDeps {
  store: Store;
  metrics: Metrics;
  history: Config["history"];
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
  const promptTokens = (turn.usage?.promptTokens ?? turn.promptTokens) + turn.extraPromptTokens;
  deps.metrics.tokens.inc({ direction: "in" }, promptTokens);
  deps.metrics.tokens.inc({ direction: "out" }, completionTokens);
  await deps.store
    .addUsage(message.conversationScope, promptTokens, completionTokens)
    .catch((err: unknown) => {
      log.warn({ err }, "could not record usage");
    });
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

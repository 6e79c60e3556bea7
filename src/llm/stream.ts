// Parses chat-completion chunks (already decoded from SSE, `[DONE]` removed) into CompletionEvents.
// Pure over its input. Azure adds chunks the OpenAI types do not describe, so chunks are read loosely:
//   - a first chunk with `choices: []` and `prompt_filter_results` (id "", object "")
//   - annotation chunks whose choice has `content_filter_results` and no `delta`
//   - text deltas, a finish chunk (`finish_reason`), and with include_usage a final `choices: []` chunk
//     carrying `usage`; the model inference endpoint may put `usage` on the finish chunk instead.
import { BotError } from "../errors.js";
import { filteredCategory } from "./content-filter.js";
import type { CompletionEvent, TokenUsage } from "./types.js";

interface LooseChoice {
  index?: unknown;
  delta?: { content?: unknown } | null;
  finish_reason?: unknown;
  content_filter_results?: unknown;
}

interface LooseChunk {
  choices?: LooseChoice[] | null;
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
}

/** We always ask for one choice (n = 1); its index is 0. */
const ANSWER_CHOICE_INDEX = 0;

/**
 * Yields `text` events in order and one final `done`. Throws llm_content_filter when the answer ends
 * with `finish_reason: "content_filter"`, and llm_stream_cut when the chunks end without a finish reason.
 * An error thrown by `chunks` after the finish reason arrived is ignored (the answer is complete; only
 * the usage chunk is lost); before it, the error is rethrown unchanged.
 */
export async function* parseChatStream(chunks: AsyncIterable<unknown>): AsyncGenerator<CompletionEvent> {
  let finishReason: string | undefined;
  let usage: TokenUsage | undefined;
  let lastFilteredCategory: string | undefined;

  try {
    for await (const raw of chunks) {
      const chunk = (typeof raw === "object" && raw !== null ? raw : {}) as LooseChunk;
      usage = readUsage(chunk.usage) ?? usage;
      for (const choice of chunk.choices ?? []) {
        if ((choice.index ?? ANSWER_CHOICE_INDEX) !== ANSWER_CHOICE_INDEX) continue;
        lastFilteredCategory = filteredCategory(choice.content_filter_results) ?? lastFilteredCategory;
        const text = choice.delta?.content;
        if (typeof text === "string" && text.length > 0 && finishReason === undefined) {
          yield { type: "text", text };
        }
        if (typeof choice.finish_reason === "string" && finishReason === undefined) {
          finishReason = choice.finish_reason;
          if (finishReason === "content_filter") {
            throw new BotError("llm_content_filter", "the answer was stopped by the content filter", {
              filteredPart: "completion",
              ...(lastFilteredCategory ? { category: lastFilteredCategory } : {}),
            });
          }
        }
      }
    }
  } catch (err) {
    if (finishReason === undefined || finishReason === "content_filter") throw err;
  }

  if (finishReason === undefined) {
    throw new BotError("llm_stream_cut", "the answer stream ended without a finish reason");
  }
  yield usage ? { type: "done", finishReason, usage } : { type: "done", finishReason };
}

function readUsage(usage: LooseChunk["usage"]): TokenUsage | undefined {
  if (!usage) return undefined;
  const { prompt_tokens: promptTokens, completion_tokens: completionTokens } = usage;
  if (typeof promptTokens !== "number" || typeof completionTokens !== "number") return undefined;
  return { promptTokens, completionTokens };
}

// Parses chat-completion chunks (already decoded from SSE, `[DONE]` removed) into CompletionEvents.
// Pure over its input. Azure adds chunks the OpenAI types do not describe, so chunks are read loosely:
//   - a first chunk with `choices: []` and `prompt_filter_results` (id "", object "")
//   - annotation chunks whose choice has `content_filter_results` and no `delta`
//   - text deltas, a finish chunk (`finish_reason`), and with include_usage a final `choices: []` chunk
//     carrying `usage`; the model inference endpoint may put `usage` on the finish chunk instead.
// With an On Your Data source ("data_sources"), the first delta carries `context: { citations, intent }`
// next to `role` (object "extensions.chat.completion.chunk", a UUID id, `end_turn` on each choice), the
// text keeps `[docN]` markers for citations[N-1], and no usage chunk comes (stream_options is refused).
// A non-streamed answer (`choices[].message` with `content` and `context`) is read the same way.
import type { Citation } from "../citations/types.js";
import { BotError } from "../errors.js";
import { filteredCategory } from "./content-filter.js";
import type { CompletionEvent, TokenUsage } from "./types.js";

interface LooseMessage {
  content?: unknown;
  /** On Your Data: azureChatExtensionsMessageContext. */
  context?: { citations?: unknown; intent?: unknown } | null;
}

interface LooseChoice {
  index?: unknown;
  delta?: LooseMessage | null;
  /** A non-streamed answer's message. */
  message?: LooseMessage | null;
  finish_reason?: unknown;
  content_filter_results?: unknown;
}

interface LooseChunk {
  choices?: LooseChoice[] | null;
  usage?: {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
    completion_tokens_details?: { reasoning_tokens?: unknown } | null;
  } | null;
}

/** We always ask for one choice (n = 1); its index is 0. */
const ANSWER_CHOICE_INDEX = 0;

/**
 * Yields `text` events in order and one final `done`; with On Your Data, one `citations` event where the
 * context arrives (the first delta, so before the text), even with an empty list (nothing was found).
 * Throws llm_content_filter when the answer ends with `finish_reason: "content_filter"`, and
 * llm_stream_cut when the chunks end without a finish reason.
 * An error thrown by `chunks` after the finish reason arrived is ignored (the answer is complete; only
 * the usage chunk is lost); before it, the error is rethrown unchanged.
 */
export async function* parseChatStream(chunks: AsyncIterable<unknown>): AsyncGenerator<CompletionEvent> {
  let finishReason: string | undefined;
  let usage: TokenUsage | undefined;
  let lastFilteredCategory: string | undefined;
  let citationsSent = false;

  try {
    for await (const raw of chunks) {
      const chunk = (typeof raw === "object" && raw !== null ? raw : {}) as LooseChunk;
      usage = readUsage(chunk.usage) ?? usage;
      for (const choice of chunk.choices ?? []) {
        if ((choice.index ?? ANSWER_CHOICE_INDEX) !== ANSWER_CHOICE_INDEX) continue;
        lastFilteredCategory = filteredCategory(choice.content_filter_results) ?? lastFilteredCategory;
        const part = choice.delta ?? choice.message;
        if (!citationsSent && part?.context && typeof part.context === "object") {
          citationsSent = true;
          yield citationsEvent(part.context);
        }
        const text = part?.content;
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

function citationsEvent(context: NonNullable<LooseMessage["context"]>): CompletionEvent {
  // Every entry is kept, in order: [docN] in the text points at citations[N-1].
  const citations = Array.isArray(context.citations) ? context.citations.map(readCitation) : [];
  return typeof context.intent === "string"
    ? { type: "citations", citations, intent: context.intent }
    : { type: "citations", citations };
}

function readCitation(raw: unknown): Citation {
  const fields = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const citation: Citation = { content: typeof fields.content === "string" ? fields.content : "" };
  for (const field of ["title", "url", "filepath", "chunk_id"] as const) {
    const value = fields[field];
    if (typeof value === "string" || value === null) citation[field] = value;
  }
  return citation;
}

function readUsage(usage: LooseChunk["usage"]): TokenUsage | undefined {
  if (!usage) return undefined;
  const { prompt_tokens: promptTokens, completion_tokens: completionTokens } = usage;
  if (typeof promptTokens !== "number" || typeof completionTokens !== "number") return undefined;
  // Reasoning models say how much of the completion was thinking (part of completion_tokens).
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return typeof reasoning === "number" && reasoning > 0
    ? { promptTokens, completionTokens, reasoningTokens: reasoning }
    : { promptTokens, completionTokens };
}

// The body for a legacy Completions deployment (an instruct model on /completions): the
// conversation as a transcript with role labels, ending with the assistant's label for the model
// to continue, and `stop` on the next user label so it answers once and does not write the user's
// next line. The same settings as chat: temperature, top_p, penalties, max_tokens, the user's stop
// sequences (at most four in all: the user label takes one).
import type { CompletionCreateParamsStreaming } from "openai/resources/completions";
import { MAX_STOP_SEQUENCES } from "./request.js";
import type { ChatMessage, CompletionRequest } from "./types.js";

const USER_LABEL = "User:";
const ASSISTANT_LABEL = "Assistant:";
/** The next user turn's label, as the model would write it: where its answer ends. */
export const NEXT_USER_STOP = `\n${USER_LABEL}`;
/** /completions answers 16 tokens when max_tokens is absent: never rely on that. */
const DEFAULT_MAX_TOKENS = 1_000;

export type CompletionsBody = CompletionCreateParamsStreaming;

/** "System text\n\nUser: q1\nAssistant: a1\nUser: q2\nAssistant:" */
export function transcriptPrompt(messages: readonly ChatMessage[]): string {
  const system = messages
    .filter((m) => m.role === "system")
    .map((m) => m.content.trim())
    .join("\n\n");
  const turns = messages
    .filter((m) => m.role !== "system")
    .map((m) => `${m.role === "user" ? USER_LABEL : ASSISTANT_LABEL} ${m.content.trim()}`);
  return `${system ? `${system}\n\n` : ""}${[...turns, ASSISTANT_LABEL].join("\n")}`;
}

export function buildCompletionsBody(request: CompletionRequest): CompletionsBody {
  const gen = request.options;
  const stop = [NEXT_USER_STOP, ...(gen.stop ?? []).filter((s) => s.length > 0)].slice(0, MAX_STOP_SEQUENCES);
  return {
    model: request.model,
    prompt: transcriptPrompt(request.messages),
    stream: true,
    max_tokens: gen.maxTokens ?? DEFAULT_MAX_TOKENS,
    stop,
    ...(gen.temperature !== undefined ? { temperature: gen.temperature } : {}),
    ...(gen.topP !== undefined ? { top_p: gen.topP } : {}),
    ...(gen.presencePenalty !== undefined ? { presence_penalty: gen.presencePenalty } : {}),
    ...(gen.frequencyPenalty !== undefined ? { frequency_penalty: gen.frequencyPenalty } : {}),
  };
}

/**
 * A /completions chunk in the shape parseChatStream reads: `text` becomes the delta's content, and
 * finish_reason, content filter results and usage pass through.
 */
export function asChatChunk(chunk: unknown): unknown {
  if (typeof chunk !== "object" || chunk === null) return chunk;
  const { choices, ...rest } = chunk as { choices?: Array<Record<string, unknown>> | null };
  if (!Array.isArray(choices)) return chunk;
  return {
    ...rest,
    choices: choices.map(({ text, ...choice }) => ({
      ...choice,
      delta: typeof text === "string" && text !== "" ? { content: text } : {},
    })),
  };
}

// Follow-up questions ("and for contractors?") mean something only in context: before searching,
// the model turns the recent turns and the new question into one standalone search query. Short,
// read whole, its tokens counted. Any failure falls back to the question itself.
import type { ModelProfile } from "../llm/models.js";
import type { ChatMessage, LlmClient, TokenUsage } from "../llm/types.js";
import type { StoredMessage } from "../store/types.js";

/** Earlier messages shown to the rewrite (the newest ones): enough for "it", "they", "and for X?". */
export const REWRITE_HISTORY_MESSAGES = 6;
/** Each earlier message is cut to this many characters: the subject is near the start. */
const REWRITE_MESSAGE_CHARS = 600;
/** A query is a line of words; reasoning models think first and need room for that. */
const REWRITE_MAX_TOKENS = 64;
const REWRITE_MAX_TOKENS_REASONING = 1_024;
/** Longest query sent to the search service. */
const MAX_QUERY_CHARS = 300;

const REWRITE_INSTRUCTION =
  "You write search queries for a document search. Rewrite the user's last message as one standalone search query, using the conversation for what it refers to (subjects, names, pronouns). Reply with the query only: no quotes, no explanation, at most 25 words. If the message already stands alone, repeat it.";

export interface RewriteInput {
  model: string;
  profile: ModelProfile;
  history: readonly StoredMessage[];
  question: string;
  signal: AbortSignal;
}

export interface RewriteResult {
  query: string;
  /** The model's usage for the rewrite (absent when it sent none, or when no call was made). */
  usage?: TokenUsage;
  /** The text sent, when a call was made: counted locally when the endpoint sends no usage. */
  prompt?: string;
  /** Set when the call failed and the question was used as it is. */
  error?: unknown;
}

/** The standalone query; no call is made when there is no earlier turn to resolve. */
export async function standaloneQuery(llm: LlmClient, input: RewriteInput): Promise<RewriteResult> {
  const recent = input.history.slice(-REWRITE_HISTORY_MESSAGES);
  if (recent.length === 0) return { query: input.question };
  const transcript = recent
    .map((m) => `${m.role === "user" ? "User" : "Assistant"}: ${m.content.slice(0, REWRITE_MESSAGE_CHARS)}`)
    .join("\n");
  const messages: ChatMessage[] = [
    { role: "system", content: REWRITE_INSTRUCTION },
    { role: "user", content: `Conversation:\n${transcript}\n\nLast message: ${input.question}` },
  ];
  const prompt = messages.map((m) => m.content).join("\n");
  try {
    const result = await llm.complete({
      model: input.model,
      profile: input.profile,
      messages,
      options: {
        temperature: 0,
        maxTokens: input.profile.reasoning ? REWRITE_MAX_TOKENS_REASONING : REWRITE_MAX_TOKENS,
      },
      signal: input.signal,
    });
    const query = cleanQuery(result.text);
    return {
      query: query === "" ? input.question : query,
      prompt,
      ...(result.usage ? { usage: result.usage } : {}),
    };
  } catch (error) {
    return { query: input.question, prompt, error };
  }
}

/** The first line, without quotes or a "Query:" label, at most MAX_QUERY_CHARS long. */
export function cleanQuery(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line
    .replace(/^(?:search )?query:\s*/i, "")
    .replace(/^["'“”‘’`]+|["'“”‘’`]+$/g, "")
    .trim()
    .slice(0, MAX_QUERY_CHARS);
}

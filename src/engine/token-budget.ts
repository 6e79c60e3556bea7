// Fits the prompt into the model's context window: the system prompt and the newest user message
// always go; then the sources of a grounded answer, in rank order (a passage that does not fit is
// cut, or dropped when too little room is left); then earlier turns, newest first, while they fit
// the window minus the reply budget.
import { BotError } from "../errors.js";
import type { ModelProfile } from "../llm/models.js";
import type { ChatMessage } from "../llm/types.js";
import type { StoredMessage } from "../store/types.js";
import { countTokens, truncateToTokens } from "./tokens.js";

/** Chat-format overhead per message (role and separators), as in OpenAI's counting guide. */
export const TOKENS_PER_MESSAGE = 4;
/** Tokens that prime the assistant's reply. */
export const REPLY_PRIMING_TOKENS = 3;
/** Head-room for tokenizer drift between our count and the service's. */
export const SAFETY_MARGIN_TOKENS = 64;
/** A passage cut shorter than this is no use as a source: it is dropped instead. */
export const MIN_PASSAGE_TOKENS = 48;
/** Beyond this many characters per context token a message cannot fit; skip tokenizing it at all. */
const MAX_CHARS_PER_TOKEN = 8;

export interface BudgetInput {
  systemPrompt: string;
  /** Earlier turns, oldest first. */
  history: StoredMessage[];
  userText: string;
  profile: ModelProfile;
  /** Tokens reserved for the reply (max_tokens). */
  replyTokens: number;
  /** 1 normally; smaller to trim harder after the service said the context was too long. */
  historyShare?: number;
  /** A grounded answer's sources: one system message just before the question. */
  grounding?: Grounding;
}

export interface Grounding {
  /** What to do with the sources; always sent. */
  instruction: string;
  /** Rendered sources (`[n] title` and the text), in rank order; numbered by the caller. */
  passages: Array<{ heading: string; content: string }>;
}

export interface BudgetResult {
  messages: ChatMessage[];
  /** Our count of the prompt's tokens (usage falls back to it when the service sends none). */
  promptTokens: number;
  /** Earlier messages left out because they did not fit. */
  dropped: number;
  /** Token count of the user message, to store with it. */
  userTokens: number;
  /** How many of the grounding passages went in (the first ones; the last may be cut). */
  passagesKept: number;
}

export function fitToBudget(input: BudgetInput): BudgetResult {
  const { profile } = input;
  const encoding = profile.encoding;
  const replyTokens = Math.min(input.replyTokens, Math.floor(profile.contextTokens / 2));
  const available = profile.contextTokens - replyTokens - REPLY_PRIMING_TOKENS - SAFETY_MARGIN_TOKENS;

  if (input.userText.length > profile.contextTokens * MAX_CHARS_PER_TOKEN) {
    throw tooLong(Math.ceil(input.userText.length / MAX_CHARS_PER_TOKEN), available);
  }
  const systemTokens = countTokens(input.systemPrompt, encoding) + TOKENS_PER_MESSAGE;
  const userTokens = countTokens(input.userText, encoding);
  const fixed = systemTokens + userTokens + TOKENS_PER_MESSAGE;
  if (fixed > available) throw tooLong(fixed, available);

  let room = available - fixed;
  const sources = input.grounding ? fitSources(input.grounding, room, encoding) : undefined;
  if (sources) room -= sources.tokens;
  const costOf = (m: StoredMessage) =>
    (m.encoding === encoding && m.tokens !== undefined ? m.tokens : countTokens(m.content, encoding)) +
    TOKENS_PER_MESSAGE;
  let historyBudget = Math.floor(room * (input.historyShare ?? 1));
  const kept: StoredMessage[] = [];
  let used = fixed + (sources?.tokens ?? 0);
  for (let i = input.history.length - 1; i >= 0; i--) {
    const m = input.history[i] as StoredMessage;
    const cost = costOf(m);
    if (cost > historyBudget) break;
    historyBudget -= cost;
    used += cost;
    kept.push(m);
  }
  kept.reverse();
  // A kept history must not start with an assistant reply whose question was dropped.
  while (kept[0]?.role === "assistant") {
    used -= costOf(kept.shift() as StoredMessage);
  }

  return {
    messages: [
      { role: "system", content: input.systemPrompt },
      ...kept.map((m) => ({ role: m.role, content: m.content })),
      ...(sources ? [{ role: "system" as const, content: sources.text }] : []),
      { role: "user", content: input.userText },
    ],
    promptTokens: used + REPLY_PRIMING_TOKENS,
    dropped: input.history.length - kept.length,
    userTokens,
    passagesKept: sources?.kept ?? 0,
  };
}

const PASSAGE_SEPARATOR = "\n\n";

/** The sources message within `room` tokens: whole passages while they fit, then one cut to the rest. */
function fitSources(
  grounding: Grounding,
  room: number,
  encoding: ModelProfile["encoding"],
): { text: string; tokens: number; kept: number } {
  let text = grounding.instruction;
  let tokens = countTokens(text, encoding) + TOKENS_PER_MESSAGE;
  let kept = 0;
  for (const passage of grounding.passages) {
    const head = `${PASSAGE_SEPARATOR}${passage.heading}\n`;
    const headTokens = countTokens(head, encoding);
    const left = room - tokens - headTokens;
    if (left < MIN_PASSAGE_TOKENS) break;
    const bodyTokens = countTokens(passage.content, encoding);
    const body = bodyTokens <= left ? passage.content : truncateToTokens(passage.content, left, encoding);
    text += head + body;
    tokens += headTokens + Math.min(bodyTokens, left);
    kept++;
    if (bodyTokens > left) break;
  }
  return { text, tokens, kept };
}

function tooLong(tokens: number, available: number): BotError {
  return new BotError("input_too_long", `prompt needs ${tokens} tokens, ${available} available`, {
    tokens,
    available,
  });
}

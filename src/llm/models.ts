// What the bot must know about a model family: its tokenizer, its context window, and which request
// fields it accepts. Deployment names are free-form on Azure, so the allow-list may say which model a
// deployment runs (`prod-chat=gpt-4o`); otherwise the family is guessed from the name.

export type TokenizerEncoding = "o200k_base" | "cl100k_base";

export interface ModelProfile {
  /** Family id, e.g. "gpt-4o", "o3", "gpt-35-turbo". */
  family: string;
  encoding: TokenizerEncoding;
  /** Total context window in tokens (prompt + reply). */
  contextTokens: number;
  /** Reasoning models take max_completion_tokens and refuse temperature/top_p/penalties. */
  reasoning: boolean;
  /** Newer models want max_completion_tokens instead of max_tokens. */
  usesMaxCompletionTokens: boolean;
  /**
   * "completions": a legacy Completions deployment (an instruct model), marked `:completions` in
   * LLM_ALLOWED_MODELS: it takes a transcript `prompt` on /completions instead of chat messages.
   */
  api?: "completions";
  /** The reasoning_effort values the model takes (reasoning models only). */
  reasoningEfforts?: readonly string[];
}

/** A model the configuration allows: `name` is what the request names (deployment or model id). */
export interface AllowedModel {
  name: string;
  profile: ModelProfile;
}

// Ordered: the first pattern that matches the (lower-cased) model or deployment name wins.
const PROFILES: Array<[RegExp, ModelProfile]> = [
  [
    /^gpt-5/,
    {
      family: "gpt-5",
      encoding: "o200k_base",
      contextTokens: 272_000,
      reasoning: true,
      usesMaxCompletionTokens: true,
      reasoningEfforts: ["minimal", "low", "medium", "high"],
    },
  ],
  [
    /^gpt-4\.1/,
    {
      family: "gpt-4.1",
      encoding: "o200k_base",
      contextTokens: 1_047_576,
      reasoning: false,
      usesMaxCompletionTokens: true,
    },
  ],
  [
    /^gpt-4o/,
    {
      family: "gpt-4o",
      encoding: "o200k_base",
      contextTokens: 128_000,
      reasoning: false,
      usesMaxCompletionTokens: false,
    },
  ],
  [
    /^o[1-9](-|$)/,
    {
      family: "o-series",
      encoding: "o200k_base",
      contextTokens: 200_000,
      reasoning: true,
      usesMaxCompletionTokens: true,
      reasoningEfforts: ["low", "medium", "high"],
    },
  ],
  [
    /^gpt-4-32k/,
    {
      family: "gpt-4-32k",
      encoding: "cl100k_base",
      contextTokens: 32_768,
      reasoning: false,
      usesMaxCompletionTokens: false,
    },
  ],
  [
    /^gpt-4-(turbo|1106|0125|vision)/,
    {
      family: "gpt-4-turbo",
      encoding: "cl100k_base",
      contextTokens: 128_000,
      reasoning: false,
      usesMaxCompletionTokens: false,
    },
  ],
  [
    /^gpt-4/,
    {
      family: "gpt-4",
      encoding: "cl100k_base",
      contextTokens: 8_192,
      reasoning: false,
      usesMaxCompletionTokens: false,
    },
  ],
  [
    /^gpt-35-turbo-instruct/,
    {
      family: "gpt-35-turbo-instruct",
      encoding: "cl100k_base",
      contextTokens: 4_096,
      reasoning: false,
      usesMaxCompletionTokens: false,
    },
  ],
  [
    /^gpt-3\.?5-turbo-16k/,
    {
      family: "gpt-35-turbo-16k",
      encoding: "cl100k_base",
      contextTokens: 16_384,
      reasoning: false,
      usesMaxCompletionTokens: false,
    },
  ],
  [
    /^gpt-3\.?5/,
    {
      family: "gpt-35-turbo",
      encoding: "cl100k_base",
      contextTokens: 16_385,
      reasoning: false,
      usesMaxCompletionTokens: false,
    },
  ],
];

/** Used for models we cannot recognise (Ollama, vLLM, a deployment named "prod"): a modern default. */
export const DEFAULT_PROFILE: ModelProfile = {
  family: "unknown",
  encoding: "o200k_base",
  contextTokens: 128_000,
  reasoning: false,
  usesMaxCompletionTokens: false,
};

export function profileFor(modelName: string): ModelProfile {
  const name = modelName.trim().toLowerCase();
  for (const [pattern, profile] of PROFILES) {
    if (pattern.test(name)) return profile;
  }
  return DEFAULT_PROFILE;
}

/**
 * Parses an allow-list entry: `deployment` or `deployment=model` (the model names the family), with
 * an optional `:contextTokens` override, e.g. `prod-chat=gpt-4o`, `llama3=llama3:8192`.
 */
export function parseAllowedModel(entry: string): AllowedModel {
  const [namePart, rest] = splitOnce(entry.trim(), "=");
  const name = namePart.trim();
  let family = rest?.trim() || name;
  let contextOverride: number | undefined;
  let completions = false;
  // Trailing `:<context tokens>` and `:completions`, in either order.
  for (;;) {
    const colon = family.lastIndexOf(":");
    const tail = colon > 0 ? family.slice(colon + 1) : "";
    if (/^\d+$/.test(tail)) contextOverride = Number(tail);
    else if (tail.toLowerCase() === "completions") completions = true;
    else break;
    family = family.slice(0, colon);
  }
  const profile = profileFor(family);
  return {
    // `instruct:completions` without `=`: the name is the deployment's, without the marks.
    name: rest === undefined ? family : name,
    profile: {
      ...profile,
      ...(contextOverride ? { contextTokens: contextOverride } : {}),
      ...(completions ? { api: "completions" as const } : {}),
    },
  };
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

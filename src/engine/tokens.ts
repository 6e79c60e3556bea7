// Token counting with the tokenizer of the model family (js-tiktoken). Rank tables are a few MB each,
// so each is loaded once, on first use, and only for the encodings the configured models need.
import { Tiktoken } from "js-tiktoken/lite";
import type { TokenizerEncoding } from "../llm/models.js";

const encoders = new Map<TokenizerEncoding, Tiktoken>();

/** Loads the rank tables of `encodings`; call at start so no turn pays for it. */
export async function loadEncoders(encodings: Iterable<TokenizerEncoding>): Promise<void> {
  for (const encoding of new Set(encodings)) {
    if (encoders.has(encoding)) continue;
    const ranks =
      encoding === "o200k_base"
        ? (await import("js-tiktoken/ranks/o200k_base")).default
        : (await import("js-tiktoken/ranks/cl100k_base")).default;
    encoders.set(encoding, new Tiktoken(ranks));
  }
}

/** Tokens in `text`; special-token text such as "<|endoftext|>" counts as ordinary text. */
export function countTokens(text: string, encoding: TokenizerEncoding): number {
  const encoder = encoders.get(encoding);
  if (!encoder) throw new Error(`tokenizer ${encoding} not loaded: call loadEncoders() at start`);
  return encoder.encode(text, [], []).length;
}

/** The longest start of `text` that is at most `maxTokens` tokens (cut on a token boundary). */
export function truncateToTokens(text: string, maxTokens: number, encoding: TokenizerEncoding): string {
  const encoder = encoders.get(encoding);
  if (!encoder) throw new Error(`tokenizer ${encoding} not loaded: call loadEncoders() at start`);
  const tokens = encoder.encode(text, [], []);
  return tokens.length <= maxTokens ? text : encoder.decode(tokens.slice(0, Math.max(0, maxTokens)));
}

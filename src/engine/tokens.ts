// Token counting with the tokenizer of the model family (gpt-tokenizer: pure JavaScript, the same
// counts as OpenAI's tiktoken, about 5 times faster and a third of the load time and memory of
// js-tiktoken; test/engine/tokens.test.ts checks the counts stay identical). Each encoding is
// loaded once, at start, and only for the encodings the configured models need.
import type { TokenizerEncoding } from "../llm/models.js";

type Encoding = typeof import("gpt-tokenizer/encoding/o200k_base");

const encoders = new Map<TokenizerEncoding, Encoding>();

/** Special-token text such as "<|endoftext|>" in a message is ordinary text, never a control token. */
const AS_TEXT = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };

/** Loads the rank tables of `encodings`; call at start so no turn pays for it. */
export async function loadEncoders(encodings: Iterable<TokenizerEncoding>): Promise<void> {
  for (const encoding of new Set(encodings)) {
    if (encoders.has(encoding)) continue;
    encoders.set(
      encoding,
      encoding === "o200k_base"
        ? await import("gpt-tokenizer/encoding/o200k_base")
        : await import("gpt-tokenizer/encoding/cl100k_base"),
    );
  }
}

function encoder(encoding: TokenizerEncoding): Encoding {
  const loaded = encoders.get(encoding);
  if (!loaded) throw new Error(`tokenizer ${encoding} not loaded: call loadEncoders() at start`);
  return loaded;
}

/** Tokens in `text`. */
export function countTokens(text: string, encoding: TokenizerEncoding): number {
  return encoder(encoding).countTokens(text, AS_TEXT);
}

/** The longest start of `text` that is at most `maxTokens` tokens (cut on a token boundary). */
export function truncateToTokens(text: string, maxTokens: number, encoding: TokenizerEncoding): string {
  const { encode, decode } = encoder(encoding);
  const tokens = encode(text, AS_TEXT);
  return tokens.length <= maxTokens ? text : decode(tokens.slice(0, Math.max(0, maxTokens)));
}

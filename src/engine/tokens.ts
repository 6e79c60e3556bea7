// Token counting with the tokenizer of the model family (gpt-tokenizer: pure JavaScript, the same
// counts as OpenAI's tiktoken, about 5 times faster and a third of the load time and memory of
// js-tiktoken; test/engine/tokens.test.ts checks the counts stay identical). Each encoding is
// loaded once, at start, and only for the encodings the configured models need.
//
// The rank table comes from the `.tiktoken` file the package ships (OpenAI's own format: one
// "base64-token rank" line per token), not from the package's JavaScript module of the same table:
// compiling a 2.4 MB array literal costs about 20 MiB of resident memory the process never gets back.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { GptEncoding } from "gpt-tokenizer/GptEncoding";
import type { TokenizerEncoding } from "../llm/models.js";

type Encoding = ReturnType<typeof GptEncoding.getEncodingApi>;

/** Words whose merges are remembered; the package's default (100,000) grows the heap by tens of MiB. */
const MERGE_CACHE_SIZE = 10_000;

const encoders = new Map<TokenizerEncoding, Encoding>();

/** Special-token text such as "<|endoftext|>" in a message is ordinary text, never a control token. */
const AS_TEXT = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };

/**
 * The rank table of a `.tiktoken` file as gpt-tokenizer wants it: index = rank, value = the token's
 * text, or its bytes when they are not valid UTF-8 on their own. Decoded with atob() into strings,
 * not into a Buffer per token: 200,000 small Buffers would leave tens of MiB of resident memory.
 */
export function readRanks(path: string): (string | number[])[] {
  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const text = readFileSync(path, "latin1");
  const ranks: (string | number[])[] = [];
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline;
    const space = text.indexOf(" ", start);
    if (space > start && space < end) {
      ranks[Number(text.slice(space + 1, end))] = tokenOf(atob(text.slice(start, space)), utf8);
    }
    start = end + 1;
  }
  return ranks;
}

/** True when every character of `binary` is below 0x80 (then the bytes are already the text). */
function isAscii(binary: string): boolean {
  for (let i = 0; i < binary.length; i++) if (binary.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * `binary` holds one byte per character. ASCII is already the text; other bytes are decoded as
 * UTF-8, a leading byte-order mark kept as a character (the package's bundled table keeps the few
 * such tokens as bytes, which miscounts text that starts with one; tiktoken agrees with this).
 */
function tokenOf(binary: string, utf8: InstanceType<typeof TextDecoder>): string | number[] {
  if (isAscii(binary)) return binary;
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  try {
    return utf8.decode(bytes);
  } catch {
    return [...bytes]; // not UTF-8 on its own
  }
}

/** Loads the rank tables of `encodings`; call at start so no turn pays for it. */
export async function loadEncoders(encodings: Iterable<TokenizerEncoding>): Promise<void> {
  const resolve = createRequire(import.meta.url).resolve;
  for (const encoding of new Set(encodings)) {
    if (encoders.has(encoding)) continue;
    const file = resolve(`gpt-tokenizer/data/${encoding}.tiktoken`);
    const api = GptEncoding.getEncodingApi(encoding, () => readRanks(file));
    api.setMergeCacheSize(MERGE_CACHE_SIZE);
    encoders.set(encoding, api);
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

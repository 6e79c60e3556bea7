// The bot counts tokens with gpt-tokenizer; OpenAI's own tokenizer (tiktoken, here js-tiktoken with
// the same rank tables) must agree on every text, or budgets and usage drift from what the service counts.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { before, describe, it } from "node:test";
import { Tiktoken } from "js-tiktoken/lite";
import cl100k from "js-tiktoken/ranks/cl100k_base";
import o200k from "js-tiktoken/ranks/o200k_base";
import { countTokens, loadEncoders, readRanks, truncateToTokens } from "../../src/engine/tokens.js";

const CORPUS = [
  "hello world",
  "Grüße aus München! これは日本語のテキストです。 Привет, мир. مرحبا بالعالم",
  "<|endoftext|> and <|im_start|>user<|im_end|> are plain text here",
  "```ts\nconst answer: number = items[0] ?? 42;\n```",
  "   lots   of   spaces\n\n\ttabs\r\nand CRLF",
  "emoji 👍🏽 🇩🇪 family 👨‍👩‍👧 and a lone surrogate \ud800 in the middle",
  "Full-time employees receive 25 paid vacation days per calendar year. ".repeat(200),
  "https://contoso.sharepoint.com/sites/hr/Shared%20Documents/Policies/Vacation-2025.pdf?web=1",
  "| col | col |\n|---|---|\n| 1 | 2 |",
  "\uFEFFnamespace Contoso; // a file that starts with a byte-order mark",
  "",
];

describe("token counts", () => {
  before(() => loadEncoders(["o200k_base", "cl100k_base"]));

  for (const [encoding, ranks] of [
    ["o200k_base", o200k],
    ["cl100k_base", cl100k],
  ] as const) {
    it(`match tiktoken on the corpus (${encoding})`, () => {
      const tiktoken = new Tiktoken(ranks);
      for (const text of CORPUS) {
        assert.equal(
          countTokens(text, encoding),
          tiktoken.encode(text, [], []).length,
          JSON.stringify(text.slice(0, 40)),
        );
      }
    });
  }

  it("read the package's .tiktoken rank files into its bundled tables, byte-order-mark tokens as text", async () => {
    const resolve = createRequire(import.meta.url).resolve;
    const BOM = [0xef, 0xbb, 0xbf];
    for (const encoding of ["o200k_base", "cl100k_base"] as const) {
      const bundled = ((await import(`gpt-tokenizer/bpeRanks/${encoding}`)) as { default: unknown[] })
        .default;
      const read = readRanks(resolve(`gpt-tokenizer/data/${encoding}.tiktoken`));
      assert.equal(read.length, bundled.length, encoding);
      const differing = read.flatMap((token, rank) =>
        JSON.stringify(token) === JSON.stringify(bundled[rank]) ? [] : [{ token, bundled: bundled[rank] }],
      );
      // The bundle keeps these as bytes and then miscounts text starting with a BOM (the corpus
      // test above compares with tiktoken); every other token is the same.
      for (const { token, bundled: bytes } of differing) {
        assert.ok(
          Array.isArray(bytes) && BOM.every((b, i) => bytes[i] === b),
          `${encoding}: ${JSON.stringify(bytes)}`,
        );
        assert.equal(token, new TextDecoder("utf-8", { ignoreBOM: true }).decode(Uint8Array.from(bytes)));
      }
      assert.ok(differing.length < 20, `${encoding}: ${differing.length} tokens differ`);
    }
  });

  it("cut a text to a number of tokens, on a token boundary", () => {
    const text = "Full-time employees receive 25 paid vacation days per calendar year.";
    const cut = truncateToTokens(text, 5, "o200k_base");
    assert.ok(text.startsWith(cut) && cut.length < text.length);
    assert.equal(countTokens(cut, "o200k_base"), 5);
    assert.equal(truncateToTokens(text, 1_000, "o200k_base"), text);
  });
});

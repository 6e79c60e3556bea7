import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  collapseWhitespace,
  linkUrl,
  plainText,
  SNIPPET_MAX_CHARS,
  snippet,
  sourceTitle,
  sourceUrl,
  TITLE_MAX_CHARS,
  toNumberedSource,
  truncateAtWord,
} from "../../src/citations/sources.js";

describe("truncateAtWord", () => {
  const vectors: { text: string; max: number; out: string }[] = [
    { text: "short", max: 10, out: "short" },
    { text: "exactly10!", max: 10, out: "exactly10!" },
    { text: "one two three four", max: 10, out: "one two…" },
    { text: "one two, three four", max: 10, out: "one two…" },
    { text: "one two three", max: 8, out: "one two…" },
    { text: "abcdefghijklmnop", max: 10, out: "abcdefghi…" },
    { text: "a bcdefghijklmnop", max: 10, out: "a bcdefgh…" },
    { text: "abc", max: 1, out: "…" },
    { text: "abc", max: 0, out: "" },
    // No cut between a surrogate pair.
    { text: "abcdefgh😀😀😀", max: 10, out: "abcdefgh…" },
  ];
  for (const v of vectors) {
    it(`${JSON.stringify(v.text)} in ${v.max}`, () => {
      const out = truncateAtWord(v.text, v.max);
      assert.equal(out, v.out);
      assert.ok(out.length <= Math.max(v.max, 0));
    });
  }

  it("never exceeds the budget", () => {
    const text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.";
    for (let max = 0; max <= text.length + 1; max++)
      assert.ok(truncateAtWord(text, max).length <= max, `${max}`);
  });
});

describe("linkUrl", () => {
  const vectors: [string | null | undefined, string | undefined][] = [
    [
      "https://contoso.blob.windows.net/container/contoso.txt",
      "https://contoso.blob.windows.net/container/contoso.txt",
    ],
    ["  http://a.test  ", "http://a.test"],
    ["HTTPS://A.test/x?y=1#z", "HTTPS://A.test/x?y=1#z"],
    ["https://a.test/my file.pdf", "https://a.test/my%20file.pdf"],
    ["contoso.txt", undefined],
    ["/docs/a.pdf", undefined],
    ["file:///etc/passwd", undefined],
    ["javascript:alert(1)", undefined],
    ["https://", undefined],
    ["https:///path", undefined],
    [`https://a.test/${"x".repeat(3_000)}`, undefined],
    ["", undefined],
    [null, undefined],
    [undefined, undefined],
  ];
  for (const [input, output] of vectors) {
    it(`${JSON.stringify(input)?.slice(0, 40)}`, () => assert.equal(linkUrl(input), output));
  }
});

describe("plainText and snippet", () => {
  const vectors: [string, string][] = [
    ["  Many\n\n spaces\tand\r\nlines ", "Many spaces and lines"],
    ["# Title\n## Sub\nBody", "Title Sub Body"],
    ["Some **bold** and *em* and `code` and ~~gone~~", "Some bold and em and code and gone"],
    ["a file_name stays, _em_ goes", "a file_name stays, em goes"],
    ["See [the guide](https://x.test) and ![logo](l.png)", "See the guide and logo"],
    ["<p>Para<br/>graph</p> &amp; &lt;tag&gt;", "Para graph & <tag>"],
    ["| a | b |\n|---|---|\n| 1 | 2 |", "a b 1 2"],
    ["> quoted\n- item\n1. first", "quoted item first"],
    ["```python\nprint(1)\n```", "print(1)"],
    ["text\n---\nmore", "text more"],
  ];
  for (const [input, output] of vectors) {
    it(JSON.stringify(input), () => assert.equal(plainText(input), output));
  }

  it("snippet keeps about the first 200 characters, cut at a word", () => {
    const content = `${"word ".repeat(100)}\n\n${"x".repeat(10_000)}`;
    const out = snippet(content);
    assert.ok(out.length <= SNIPPET_MAX_CHARS);
    assert.ok(out.length > SNIPPET_MAX_CHARS / 2);
    assert.ok(out.endsWith("word…"));
    assert.equal(snippet("Short."), "Short.");
    assert.equal(snippet(""), "");
    assert.equal(snippet(null), "");
    assert.equal(snippet("a b c d e f", 6), "a b c…");
  });

  it("collapseWhitespace", () => assert.equal(collapseWhitespace("\n a \u00a0 b\n"), "a b"));
});

describe("sourceTitle, sourceUrl, toNumberedSource", () => {
  it("title: title, else filepath, else url, else Source n", () => {
    assert.equal(sourceTitle({ content: "", title: "T", filepath: "f.txt", url: "https://u.test" }, 1), "T");
    assert.equal(sourceTitle({ content: "", title: " \n", filepath: "f.txt" }, 1), "f.txt");
    assert.equal(sourceTitle({ content: "", title: null, url: "https://u.test" }, 1), "https://u.test");
    assert.equal(sourceTitle({ content: "" }, 7), "Source 7");
    assert.ok(sourceTitle({ content: "", title: "long ".repeat(100) }, 1).length <= TITLE_MAX_CHARS);
  });

  it("url: url, else a filepath that is a link", () => {
    assert.equal(
      sourceUrl({ content: "", url: "https://u.test", filepath: "https://f.test" }),
      "https://u.test",
    );
    assert.equal(sourceUrl({ content: "", url: "not a link", filepath: "https://f.test" }), "https://f.test");
    assert.equal(sourceUrl({ content: "", filepath: "docs/f.txt" }), undefined);
  });

  it("the spec example's citation", () => {
    assert.deepEqual(
      toNumberedSource(
        {
          content: "Citation content.",
          title: "Citation Title",
          filepath: "contoso.txt",
          url: "https://contoso.blob.windows.net/container/contoso.txt",
          chunk_id: "0",
        },
        1,
      ),
      {
        n: 1,
        title: "Citation Title",
        url: "https://contoso.blob.windows.net/container/contoso.txt",
        snippet: "Citation content.",
      },
    );
  });
});

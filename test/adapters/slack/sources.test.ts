import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SLACK_MARKDOWN_MAX_CHARS, SLACK_MAX_BLOCKS } from "../../../adapters/slack/blocks.js";
import {
  markdownLine,
  mrkdwnLine,
  SLACK_TEXT_OBJECT_MAX_CHARS,
  sourcesBlocks,
  sourcesMarkdown,
} from "../../../adapters/slack/sources.js";
import type { NumberedSource } from "../../../src/citations/types.js";

const source = (n: number, extra: Partial<NumberedSource> = {}): NumberedSource => ({
  n,
  title: `Title ${n}`,
  url: `https://contoso.blob.windows.net/container/doc${n}.pdf`,
  snippet: "An excerpt.",
  ...extra,
});
const many = (count: number, extra: (n: number) => Partial<NumberedSource> = () => ({})): NumberedSource[] =>
  Array.from({ length: count }, (_, i) => source(i + 1, extra(i + 1)));

function texts(sources: NumberedSource[], maxBlocks?: number): string[] {
  return sourcesBlocks(sources, maxBlocks).map((block) => {
    assert.equal(block.type, "context");
    assert.equal(block.elements.length, 1);
    const [element] = block.elements;
    assert.equal(element?.type, "mrkdwn");
    assert.ok(element && "text" in element);
    return element.text;
  });
}

/** Source numbers listed in the blocks' lines, in order. */
const listed = (blockTexts: string[]): number[] =>
  blockTexts.flatMap((text) => [...text.matchAll(/^\[(\d+)\] /gm)].map((m) => Number(m[1])));

describe("mrkdwnLine and markdownLine", () => {
  const vectors: { name: string; source: NumberedSource; mrkdwn: string; markdown: string }[] = [
    {
      name: "link",
      source: source(1),
      mrkdwn: "[1] <https://contoso.blob.windows.net/container/doc1.pdf|Title 1>",
      markdown: "1. [Title 1](https://contoso.blob.windows.net/container/doc1.pdf)",
    },
    {
      name: "no url: title only",
      source: { n: 2, title: "guide.pdf", snippet: "" },
      mrkdwn: "[2] guide.pdf",
      markdown: "2. guide.pdf",
    },
    {
      name: "not a link: title only",
      source: source(3, { url: "javascript:alert(1)" }),
      mrkdwn: "[3] Title 3",
      markdown: "3. Title 3",
    },
    {
      name: "escaping",
      source: source(4, { title: "R&D <b> [draft] *x* a_b |c|", url: "https://a.test/q?a=1&b=<2>|3 (x)" }),
      mrkdwn: "[4] <https://a.test/q?a=1&amp;b=%3C2%3E%7C3%20(x)|R&amp;D &lt;b&gt; [draft] *x* a_b |c|>",
      markdown: "4. [R&D \\<b\\> \\[draft\\] \\*x\\* a\\_b |c|](https://a.test/q?a=1&b=%3C2%3E|3%20%28x%29)",
    },
    {
      name: "long title cut at a word",
      source: { n: 5, title: "word ".repeat(60).trim(), snippet: "" },
      mrkdwn: `[5] ${"word ".repeat(29)}word…`,
      markdown: `5. ${"word ".repeat(29)}word…`,
    },
  ];
  for (const v of vectors) {
    it(v.name, () => {
      assert.equal(mrkdwnLine(v.source), v.mrkdwn);
      assert.equal(markdownLine(v.source), v.markdown);
    });
  }

  it("a link too long for a block shows the title alone", () => {
    const line = mrkdwnLine(source(1, { url: `https://a.test/${"&".repeat(1_000)}` }));
    assert.equal(line, "[1] Title 1");
  });
});

describe("sourcesBlocks", () => {
  it("no sources, no blocks; no room, no blocks", () => {
    assert.deepEqual(sourcesBlocks([]), []);
    assert.deepEqual(sourcesBlocks(many(3), 0), []);
  });

  it("a few sources: one context block with a heading", () => {
    assert.deepEqual(sourcesBlocks([source(1), { n: 2, title: "notes.txt", snippet: "" }]), [
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: "*Sources*\n[1] <https://contoso.blob.windows.net/container/doc1.pdf|Title 1>\n[2] notes.txt",
          },
        ],
      },
    ]);
  });

  it("many long sources split across blocks, each within 3,000 characters, none lost", () => {
    const sources = many(60, (n) => ({
      title: `${"Long title ".repeat(13)}${n}`,
      url: `https://a.test/${"p".repeat(200)}/${n}`,
    }));
    const out = texts(sources);
    assert.ok(out.length > 1);
    for (const text of out) assert.ok(text.length <= SLACK_TEXT_OBJECT_MAX_CHARS, `${text.length}`);
    assert.deepEqual(
      listed(out),
      sources.map((s) => s.n),
    );
    assert.ok(out[0]?.startsWith("*Sources*\n"));
    assert.ok(!out[1]?.startsWith("*Sources*"));
  });

  it("at most maxBlocks: the rest are counted in the last line", () => {
    const sources = many(60, (n) => ({
      title: `${"Long title ".repeat(13)}${n}`,
      url: `https://a.test/${"p".repeat(200)}/${n}`,
    }));
    for (const maxBlocks of [1, 2, 3]) {
      const out = texts(sources, maxBlocks);
      assert.equal(out.length, maxBlocks);
      for (const text of out) assert.ok(text.length <= SLACK_TEXT_OBJECT_MAX_CHARS);
      const shown = listed(out);
      assert.deepEqual(
        shown,
        shown.map((_, i) => i + 1),
      );
      assert.ok(out.at(-1)?.endsWith(`… and ${60 - shown.length} more`), out.at(-1)?.slice(-40));
    }
  });

  it("the default keeps within Slack's 50 blocks", () => {
    const sources = many(2_000, (n) => ({
      title: `${"Long title ".repeat(13)}${n}`,
      url: `https://a.test/${"p".repeat(300)}/${n}`,
    }));
    const out = texts(sources);
    assert.equal(out.length, SLACK_MAX_BLOCKS);
    assert.match(out.at(-1) ?? "", /… and \d+ more$/);
  });
});

describe("sourcesMarkdown", () => {
  it("vectors", () => {
    assert.equal(sourcesMarkdown([]), "");
    assert.equal(
      sourcesMarkdown([source(1), { n: 2, title: "notes.txt", snippet: "" }]),
      "**Sources**\n1. [Title 1](https://contoso.blob.windows.net/container/doc1.pdf)\n2. notes.txt",
    );
  });

  it("within maxChars, the rest counted", () => {
    const sources = many(500, (n) => ({ title: `${"Long title ".repeat(10)}${n}` }));
    const full = sourcesMarkdown(sources);
    assert.ok(full.length <= SLACK_MARKDOWN_MAX_CHARS);
    assert.match(full, /\n… and \d+ more$/);
    const small = sourcesMarkdown(sources, 400);
    assert.ok(small.length <= 400);
    assert.match(small, /^\*\*Sources\*\*\n1\. \[Long title/);
    assert.match(small, /\n… and \d+ more$/);
    assert.equal(sourcesMarkdown(sources, 5), "");
  });
});

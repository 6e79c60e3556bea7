import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CitationMapper } from "../../src/citations/mapper.js";
import type { Citation } from "../../src/citations/types.js";

/** The citation of the spec example (chat_completions_azure_search_minimum.json), numbered. */
function citation(n: number): Citation {
  return {
    content: `Citation content ${n}.`,
    title: `Citation Title ${n}`,
    filepath: `contoso${n}.txt`,
    url: `https://contoso.blob.windows.net/container/contoso${n}.txt`,
    chunk_id: "0",
  };
}
const citations = (count: number): Citation[] => Array.from({ length: count }, (_, i) => citation(i + 1));

interface Vector {
  name: string;
  /** How many citations the answer has (0: setCitations not called). */
  citations: number;
  text: string;
  shown: string;
  /** Doc numbers of the sources, in shown order. */
  sources: number[];
}

const FENCED = "Before [doc1]\n```python\nx = data[doc2]\n```\nAfter [doc2]";
const TILDES = "~~~\n[doc1]\n~~~\n[doc1]";

const vectors: Vector[] = [
  {
    name: "the spec example",
    citations: 1,
    text: "Content of the completion [doc1].",
    shown: "Content of the completion [1].",
    sources: [1],
  },
  {
    name: "numbered by first mention",
    citations: 3,
    text: "A [doc3]. B [doc1]. C [doc3].",
    shown: "A [1]. B [2]. C [1].",
    sources: [3, 1],
  },
  {
    name: "uncited citations are not sources",
    citations: 5,
    text: "Only [doc4].",
    shown: "Only [1].",
    sources: [4],
  },
  {
    name: "adjacent different markers",
    citations: 2,
    text: "X [doc2][doc1].",
    shown: "X [1][2].",
    sources: [2, 1],
  },
  {
    name: "adjacent repeats collapse",
    citations: 2,
    text: "X [doc1][doc1][doc2][doc1].",
    shown: "X [1][2].",
    sources: [1, 2],
  },
  {
    name: "repeats apart stay",
    citations: 1,
    text: "X [doc1] and [doc1].",
    shown: "X [1] and [1].",
    sources: [1],
  },
  {
    name: "a space breaks adjacency",
    citations: 1,
    text: "X [doc1] [doc1]",
    shown: "X [1] [1]",
    sources: [1],
  },
  { name: "unknown marker removed", citations: 2, text: "X [doc3] Y [doc0].", shown: "X  Y .", sources: [] },
  {
    name: "unknown marker between repeats",
    citations: 1,
    text: "X [doc1][doc7][doc1].",
    shown: "X [1].",
    sources: [1],
  },
  {
    name: "capitalised and spaced markers",
    citations: 2,
    text: "A [Doc1] B [DOC 2] C [doc 1]",
    shown: "A [1] B [2] C [1]",
    sources: [1, 2],
  },
  {
    name: "list in one bracket",
    citations: 3,
    text: "A [doc2, doc3,doc2].",
    shown: "A [1][2].",
    sources: [2, 3],
  },
  { name: "list with an unknown doc", citations: 1, text: "A [doc1, doc9].", shown: "A [1].", sources: [1] },
  {
    name: "not markers",
    citations: 2,
    text: "[docs] [doc] [doc1 x] [doc  1] [doc-1] [d] [ doc1] [x]",
    shown: "[docs] [doc] [doc1 x] [doc  1] [doc-1] [d] [ doc1] [x]",
    sources: [],
  },
  {
    name: "markdown links untouched",
    citations: 1,
    text: "See [the docs](https://x.test/[doc]) [doc1]",
    shown: "See [the docs](https://x.test/[doc]) [1]",
    sources: [1],
  },
  {
    name: "a number too long is text",
    citations: 1,
    text: "[doc12345] [doc1]",
    shown: "[doc12345] [1]",
    sources: [1],
  },
  {
    name: "unfinished marker at the end stays as text",
    citations: 1,
    text: "The end [doc1",
    shown: "The end [doc1",
    sources: [],
  },
  { name: "a lone bracket at the end", citations: 1, text: "Array [", shown: "Array [", sources: [] },
  {
    name: "marker across a line end is text",
    citations: 1,
    text: "[doc\n1]",
    shown: "[doc\n1]",
    sources: [],
  },
  {
    name: "no citations: text unchanged",
    citations: 0,
    text: "Literal [doc1] and [doc2].",
    shown: "Literal [doc1] and [doc2].",
    sources: [],
  },
  {
    name: "code blocks are literal",
    citations: 2,
    text: FENCED,
    shown: "Before [1]\n```python\nx = data[doc2]\n```\nAfter [2]",
    sources: [1, 2],
  },
  { name: "tilde fences too", citations: 1, text: TILDES, shown: "~~~\n[doc1]\n~~~\n[1]", sources: [1] },
  {
    name: "indented fence in a list item",
    citations: 1,
    text: "1. Run:\n    ```\n    go [doc1]\n    ```\n[doc1]",
    shown: "1. Run:\n    ```\n    go [doc1]\n    ```\n[1]",
    sources: [1],
  },
  {
    name: "a shorter fence does not close",
    citations: 1,
    text: "````\n```\n[doc1]\n````\n[doc1]",
    shown: "````\n```\n[doc1]\n````\n[1]",
    sources: [1],
  },
  {
    name: "fence with text after is no close",
    citations: 1,
    text: "```\n``` x [doc1]\n```\n[doc1]",
    shown: "```\n``` x [doc1]\n```\n[1]",
    sources: [1],
  },
  {
    name: "inline ```code``` on a line is no fence",
    citations: 1,
    text: "```a``` [doc1]\n[doc1]",
    shown: "```a``` [1]\n[1]",
    sources: [1],
  },
  { name: "inline code spans are mapped", citations: 1, text: "`x[doc1]`", shown: "`x[1]`", sources: [1] },
  {
    name: "unclosed block: rest literal",
    citations: 1,
    text: "```\n[doc1]",
    shown: "```\n[doc1]",
    sources: [],
  },
  { name: "empty answer", citations: 1, text: "", shown: "", sources: [] },
];

/** Feeds `parts` and flushes; checks what each push returned adds up to `normalized`. */
function run(count: number, parts: string[]): { shown: string; mapper: CitationMapper } {
  const mapper = new CitationMapper();
  if (count > 0) mapper.setCitations(citations(count));
  let shown = "";
  for (const part of parts) shown += mapper.push(part);
  shown += mapper.flush();
  assert.equal(mapper.normalized, shown);
  return { shown, mapper };
}

describe("CitationMapper", () => {
  for (const v of vectors) {
    it(`${v.name}: whole`, () => {
      const { shown, mapper } = run(v.citations, [v.text]);
      assert.equal(shown, v.shown);
      assert.deepEqual(
        mapper.sources().map((s) => s.title),
        v.sources.map((doc) => `Citation Title ${doc}`),
      );
      assert.deepEqual(
        mapper.sources().map((s) => s.n),
        v.sources.map((_, i) => i + 1),
      );
    });

    it(`${v.name}: split in two at every position, and in three`, () => {
      for (let i = 0; i <= v.text.length; i++) {
        const { shown } = run(v.citations, [v.text.slice(0, i), v.text.slice(i)]);
        assert.equal(shown, v.shown, `split at ${i}`);
        for (let j = i; j <= v.text.length; j++) {
          const three = run(v.citations, [v.text.slice(0, i), v.text.slice(i, j), v.text.slice(j)]);
          assert.equal(three.shown, v.shown, `split at ${i} and ${j}`);
        }
      }
    });

    it(`${v.name}: one character at a time`, () => {
      assert.equal(run(v.citations, [...v.text]).shown, v.shown);
    });
  }

  it("holds back a possible marker until the next delta and never shows a raw one", () => {
    const mapper = new CitationMapper();
    mapper.setCitations(citations(2));
    assert.equal(mapper.push("see [do"), "see ");
    assert.equal(mapper.push("c2"), "");
    assert.equal(mapper.push("] and [doc1"), "[1] and ");
    assert.equal(mapper.push(", doc"), "");
    assert.equal(mapper.push("2]."), "[2][1].");
    assert.equal(mapper.push(" [x"), " [x");
    assert.equal(mapper.flush(), "");
    assert.equal(mapper.normalized, "see [1] and [2][1]. [x");
  });

  it("flush shows a held-back tail as text", () => {
    const mapper = new CitationMapper();
    mapper.setCitations(citations(1));
    assert.equal(mapper.push("ends with [doc1"), "ends with ");
    assert.equal(mapper.flush(), "[doc1");
    assert.equal(mapper.flush(), "");
  });

  it("a long bracket is not held back", () => {
    const mapper = new CitationMapper();
    mapper.setCitations(citations(1));
    const list = `[doc1${", doc1".repeat(30)}`;
    assert.equal(mapper.push(list), list);
  });

  it("citations may arrive before any text, or after some", () => {
    const mapper = new CitationMapper();
    assert.equal(mapper.push("Early [doc1] "), "Early [doc1] ");
    mapper.setCitations(citations(1));
    assert.equal(mapper.push("late [doc1]"), "late [1]");
    assert.equal(mapper.normalized, "Early [doc1] late [1]");
  });

  it("an empty citation list passes text through", () => {
    const mapper = new CitationMapper();
    mapper.setCitations([]);
    assert.equal(mapper.push("see [do"), "see [do");
    assert.equal(mapper.sources().length, 0);
  });

  it("sources carry title, url and snippet from the citation", () => {
    const mapper = new CitationMapper();
    mapper.setCitations([
      { content: "# Heading\n\nSome **bold**   text.", title: null, filepath: "guide.pdf", url: null },
      { content: "x", title: "  Spaced\n title ", url: "https://a.test/doc" },
      { content: "", filepath: "https://b.test/file.pdf" },
      { content: "" },
    ]);
    mapper.push("[doc1] [doc2] [doc3] [doc4]");
    assert.deepEqual(mapper.sources(), [
      { n: 1, title: "guide.pdf", snippet: "Heading Some bold text." },
      { n: 2, title: "Spaced title", url: "https://a.test/doc", snippet: "x" },
      { n: 3, title: "https://b.test/file.pdf", url: "https://b.test/file.pdf", snippet: "" },
      { n: 4, title: "Source 4", snippet: "" },
    ]);
  });

  it("is linear: a long streamed answer maps quickly", () => {
    const mapper = new CitationMapper();
    mapper.setCitations(citations(20));
    const sentence = "Some words about things [doc3] and more [doc7][doc7] text [ here.\n";
    const text = sentence.repeat(2_000);
    const started = performance.now();
    let shown = "";
    for (let i = 0; i < text.length; i += 4) shown += mapper.push(text.slice(i, i + 4));
    shown += mapper.flush();
    const elapsed = performance.now() - started;
    assert.equal(shown, "Some words about things [1] and more [2] text [ here.\n".repeat(2_000));
    assert.ok(elapsed < 1_000, `took ${elapsed} ms`);
  });
});

describe("CitationMapper with plain number markers (the bot's own search)", () => {
  const mapped = (text: string | string[], count: number) => {
    const mapper = new CitationMapper("number");
    mapper.setCitations(citations(count));
    const shown = (Array.isArray(text) ? text : [text]).map((t) => mapper.push(t)).join("") + mapper.flush();
    return { shown, sources: mapper.sources().map((s) => s.title) };
  };

  it("renumbers by first mention and drops uncited sources", () => {
    assert.deepEqual(mapped("Ten days [3]. Contractors get five [1][3].", 3), {
      shown: "Ten days [1]. Contractors get five [2][1].",
      sources: ["Citation Title 3", "Citation Title 1"],
    });
  });

  it("reads lists and markers split across deltas", () => {
    assert.deepEqual(mapped(["See [", "2, 1", "] and [2", "]."], 2), {
      shown: "See [1][2] and [1].",
      sources: ["Citation Title 2", "Citation Title 1"],
    });
  });

  it("leaves numbers that name no source as written: years, indexes, footnotes it never had", () => {
    assert.deepEqual(mapped("In [2024] items[0] and [7] but [1].", 2), {
      shown: "In [2024] items[0] and [7] but [1].",
      sources: ["Citation Title 1"],
    });
  });

  it("does not read [doc1] as a marker, and leaves code alone", () => {
    assert.deepEqual(mapped("A [doc1] B\n```\nx[1]\n```\nC [1]", 1), {
      shown: "A [doc1] B\n```\nx[1]\n```\nC [1]",
      sources: ["Citation Title 1"],
    });
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { appendWithin, closeOpenFence, openFenceAt, splitAll, splitText } from "../../src/reply/split.js";

const code = (lang: string, lines: string[]): string => `\`\`\`${lang}\n${lines.join("\n")}\n\`\`\``;
const prints = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `print(${from + i})`);

interface Vector {
  name: string;
  text: string;
  max: number;
  pieces: string[];
}

const vectors: Vector[] = [
  { name: "fits: one piece", text: "short", max: 10, pieces: ["short"] },
  { name: "exactly the limit fits", text: "0123456789", max: 10, pieces: ["0123456789"] },
  {
    name: "paragraph break wins over later line break and spaces",
    text: "First paragraph here.\n\nSecond paragraph\nis longer than that.",
    max: 40,
    pieces: ["First paragraph here.", "Second paragraph\nis longer than that."],
  },
  {
    name: "extra blank lines are dropped at the cut",
    text: "First paragraph here.\n\n\n\nSecond paragraph goes on.",
    max: 30,
    pieces: ["First paragraph here.", "Second paragraph goes on."],
  },
  {
    name: "line break when no paragraph break",
    text: "line one is here\nline two is here\nline three",
    max: 40,
    pieces: ["line one is here\nline two is here", "line three"],
  },
  {
    name: "sentence end when no line break",
    text: "One sentence. Two sentence! Three sentence? Four",
    max: 40,
    pieces: ["One sentence. Two sentence!", "Three sentence? Four"],
  },
  {
    name: "space when no sentence end",
    text: "words words words words words words words words",
    max: 40,
    pieces: ["words words words words words words", "words words"],
  },
  {
    name: "paragraph break too early (under half) loses to a line break",
    text: "Hi.\n\nA long line that keeps going\nand another line after it",
    max: 40,
    pieces: ["Hi.\n\nA long line that keeps going", "and another line after it"],
  },
  {
    name: "hard cut without boundaries",
    text: "a".repeat(25),
    max: 10,
    pieces: ["a".repeat(10), "a".repeat(10), "a".repeat(5)],
  },
  {
    name: "hard cut never splits a surrogate pair",
    text: `${"a".repeat(39)}😀bbb`,
    max: 40,
    pieces: ["a".repeat(39), "😀bbb"],
  },
  {
    name: "CJK full stops end sentences without spaces",
    text: "日本語の文です。次の文です。さらに文が続きます。もっと長い文章がここに来ます。",
    max: 20,
    pieces: ["日本語の文です。次の文です。", "さらに文が続きます。", "もっと長い文章がここに来ます。"],
  },
  {
    name: "code block moves whole to the next message when the text before it is long enough",
    text: `Intro text that is long enough.\n${code("ts", ["const a = 1;", "const b = 2;"])}\nafter`,
    max: 40,
    pieces: ["Intro text that is long enough.", code("ts", ["const a = 1;", "const b = 2;"]), "after"],
  },
  {
    name: "split inside a code block closes it and reopens it with the same language",
    text: `Some intro.\n${code("python", prints(0, 11))}\nDone.`,
    max: 60,
    pieces: [
      `Some intro.\n${code("python", prints(0, 2))}`,
      code("python", prints(3, 7)),
      `${code("python", prints(8, 11))}\nDone.`,
    ],
  },
  {
    name: "fence without language reopens without one",
    text: `Intro\n${code("", ["x".repeat(30), "y".repeat(30)])}\nafter`,
    max: 50,
    pieces: [`Intro\n${code("", ["x".repeat(30)])}`, `${code("", ["y".repeat(30)])}\nafter`],
  },
  {
    name: "cut just before the closing fence reuses the added closing marker",
    text: `Intro\n${code("sh", ["echo one two three four five six seven eight"])}\nafter the block`,
    max: 60,
    pieces: [`Intro\n${code("sh", ["echo one two three four five six seven eight"])}`, "after the block"],
  },
  {
    name: "longer fences are closed with their own marker",
    text: "````md\n```js\nnested\n```\nmore lines of text here\nand here\n````\nend",
    max: 50,
    // The nested ``` does not close the ```` block, and the closing marker's room moves the cut back.
    pieces: ["````md\n```js\nnested\n```\n````", "````md\nmore lines of text here\nand here\n````\nend"],
  },
  {
    name: "closed fences before the cut do not count",
    text: `${code("", ["a"])}\nplain text after the block goes on and on`,
    max: 40,
    pieces: [`${code("", ["a"])}\nplain text after the block`, "goes on and on"],
  },
  {
    name: "fence repair skipped when markers would fill the message",
    text: `${code("typescript", ["let value = 12345;", "let other = 67890;"])}`,
    max: 40,
    pieces: ["```typescript\nlet value = 12345;", "let other = 67890;\n```"],
  },
];

describe("splitAll vectors", () => {
  for (const v of vectors) {
    it(v.name, () => {
      const pieces = splitAll(v.text, v.max);
      assert.deepEqual(pieces, v.pieces);
      for (const piece of pieces)
        assert.ok(piece.length <= v.max, `piece over ${v.max}: ${JSON.stringify(piece)}`);
    });
  }
});

describe("splitText", () => {
  it("returns null when the text fits", () => {
    assert.equal(splitText("abc", 3), null);
  });

  it("reports what it consumed and what to reopen", () => {
    const text = `Some intro.\n${code("python", prints(0, 11))}`;
    const split = splitText(text, 60);
    assert.ok(split);
    assert.equal(split.reopen, "```python\n");
    assert.equal(text.slice(split.consumed).startsWith("print(3)"), true);
  });

  it("always makes progress, even with tiny limits", () => {
    const text = "```\n😀😀😀 ``` 😀\n\n\n```x\n";
    for (let max = 1; max < text.length; max++) {
      const pieces = splitAll(text, max);
      assert.ok(pieces.length <= text.length + 1);
      for (const piece of pieces) assert.ok(piece.length <= max);
    }
  });

  it("keeps every character of plain text (separators aside)", () => {
    const words = Array.from({ length: 500 }, (_, i) => `w${i}${i % 7 === 0 ? "." : ""}`).join(" ");
    const pieces = splitAll(words, 97);
    assert.equal(pieces.join(" "), words);
  });
});

describe("openFenceAt", () => {
  const text = "a\n```js\ncode\n```\nb\n~~~\nx";
  const cases: [number, string | null][] = [
    [1, null],
    [text.indexOf("code"), "```"],
    [text.indexOf("b"), null],
    [text.length, "~~~"],
  ];
  for (const [end, marker] of cases) {
    it(`at ${end} → ${marker}`, () => {
      assert.equal(openFenceAt(text, end)?.marker ?? null, marker);
    });
  }

  it("ignores inline code with three backticks", () => {
    assert.equal(openFenceAt("use ```x``` inline\nmore", 20), null);
    assert.equal(openFenceAt("```a`b\nmore", 10), null);
  });

  it("needs a closing marker at least as long as the opening one", () => {
    assert.equal(openFenceAt("````\n```\nstill code", 18)?.marker, "````");
  });
});

describe("closeOpenFence and appendWithin", () => {
  it("closes an open fence", () => {
    assert.equal(closeOpenFence("```js\nfoo()"), "```js\nfoo()\n```");
    assert.equal(closeOpenFence("```js\nfoo()\n"), "```js\nfoo()\n```");
    assert.equal(closeOpenFence("plain"), "plain");
  });

  it("appends after closing the fence", () => {
    assert.deepEqual(appendWithin("```js\nfoo()", "\n\n⚠️ oops", 100), {
      text: "```js\nfoo()\n```\n\n⚠️ oops",
      kept: 11,
    });
  });

  it("cuts the text at a good boundary to make room", () => {
    const out = appendWithin("Hello world. This is a long sentence that goes on.", "\n\n⚠️ oops", 40);
    assert.deepEqual(out, { text: "Hello world. This is a long\n\n⚠️ oops", kept: 28 });
  });

  it("cuts an over-long suffix on its own", () => {
    assert.deepEqual(appendWithin("text", "x".repeat(50), 10), { text: "x".repeat(10), kept: 0 });
  });
});

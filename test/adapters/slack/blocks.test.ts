import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  FEEDBACK_NEGATIVE,
  FEEDBACK_POSITIVE,
  feedbackBlock,
  markdownBlock,
  SLACK_MARKDOWN_MAX_CHARS,
  SLACK_MAX_BLOCKS,
  SLACK_SECTION_MAX_CHARS,
  SLACK_TEXT_MAX_CHARS,
  sectionBlocks,
} from "../../../adapters/slack/blocks.js";
import { markdownToMrkdwn } from "../../../adapters/slack/mrkdwn.js";

const FENCE = "```";

function texts(mrkdwn: string, maxBlocks?: number): string[] {
  return sectionBlocks(mrkdwn, maxBlocks).map((block) => {
    assert.equal(block.type, "section");
    assert.equal(block.text?.type, "mrkdwn");
    return block.text?.text ?? "";
  });
}

/** The rules every section must keep: within the limit, not blank, code fences paired. */
function assertSections(sections: string[]): void {
  for (const [index, text] of sections.entries()) {
    assert.ok(text.length <= SLACK_SECTION_MAX_CHARS, `section ${index} has ${text.length} characters`);
    assert.notEqual(text.trim(), "", `section ${index} is blank`);
    const fences = text.split("\n").filter((line) => line.trimStart().startsWith(FENCE)).length;
    assert.equal(fences % 2, 0, `section ${index} leaves a code fence open`);
  }
}

/** The code lines of `text`, in order, without the fences. */
function codeLines(text: string): string[] {
  const lines: string[] = [];
  let inside = false;
  for (const line of text.split("\n")) {
    if (line.startsWith(FENCE)) inside = !inside;
    else if (inside) lines.push(line);
  }
  return lines;
}

const paragraph = (n: number) => `Paragraph ${n}: ${"lorem ipsum ".repeat(40).trim()}.`;
const code = (lines: number, width = 40) =>
  [FENCE, ...Array.from({ length: lines }, (_, i) => `line ${i} ${"x".repeat(width)}`), FENCE].join("\n");

describe("Slack limits", () => {
  it("match Slack's documented values", () => {
    assert.equal(SLACK_TEXT_MAX_CHARS, 4_000);
    assert.equal(SLACK_SECTION_MAX_CHARS, 3_000);
    assert.equal(SLACK_MARKDOWN_MAX_CHARS, 12_000);
    assert.equal(SLACK_MAX_BLOCKS, 50);
  });
});

describe("feedbackBlock", () => {
  it("is a context_actions block with one feedback_buttons element (Block Kit reference shape)", () => {
    assert.deepEqual(feedbackBlock("answer_feedback"), {
      type: "context_actions",
      elements: [
        {
          type: "feedback_buttons",
          action_id: "answer_feedback",
          positive_button: {
            text: { type: "plain_text", text: "👍" },
            value: "positive",
            accessibility_label: "Good answer",
          },
          negative_button: {
            text: { type: "plain_text", text: "👎" },
            value: "negative",
            accessibility_label: "Bad answer",
          },
        },
      ],
    });
    assert.equal(FEEDBACK_POSITIVE, "positive");
    assert.equal(FEEDBACK_NEGATIVE, "negative");
  });

  it("carries a block_id only when given", () => {
    assert.equal(feedbackBlock("a", "b-1").block_id, "b-1");
    assert.equal("block_id" in feedbackBlock("a"), false);
  });

  it("rejects ids Slack would refuse (empty or over 255 characters)", () => {
    assert.throws(() => feedbackBlock(""), RangeError);
    assert.throws(() => feedbackBlock("a".repeat(256)), RangeError);
    assert.throws(() => feedbackBlock("a", "b".repeat(256)), RangeError);
    assert.doesNotThrow(() => feedbackBlock("a".repeat(255), "b".repeat(255)));
  });

  it("keeps button labels within Slack's 75 characters", () => {
    const element = feedbackBlock("a").elements[0];
    assert.ok(element?.type === "feedback_buttons");
    for (const button of [element.positive_button, element.negative_button]) {
      assert.ok(button.text.text.length <= 75);
      assert.ok((button.accessibility_label ?? "").length <= 75);
    }
  });
});

describe("sectionBlocks", () => {
  it("nothing to show: no blocks", () => {
    assert.deepEqual(sectionBlocks(""), []);
    assert.deepEqual(sectionBlocks("\n \n\n"), []);
  });

  it("short text: one expanded mrkdwn section, unchanged", () => {
    assert.deepEqual(sectionBlocks("*Hi* there\n• a"), [
      { type: "section", text: { type: "mrkdwn", text: "*Hi* there\n• a" }, expand: true },
    ]);
  });

  it("exactly the limit fits in one section", () => {
    assert.deepEqual(texts("a".repeat(SLACK_SECTION_MAX_CHARS)), ["a".repeat(SLACK_SECTION_MAX_CHARS)]);
  });

  it("cuts at line breaks and loses no line", () => {
    const input = Array.from({ length: 12 }, (_, i) => paragraph(i)).join("\n\n");
    const sections = texts(input);
    assertSections(sections);
    assert.ok(sections.length > 1);
    for (const section of sections) assert.match(section, /^Paragraph \d+: .*\.$/s);
    // Blank lines at a cut are dropped; everything else is kept in order.
    assert.equal(sections.join("\n\n"), input);
  });

  it("moves a code block that fits whole to the next section instead of cutting it", () => {
    const before = "a".repeat(2_600);
    const block = code(10);
    assert.ok(before.length + block.length + 1 > SLACK_SECTION_MAX_CHARS);
    const sections = texts(`${before}\n${block}\nafter`);
    assertSections(sections);
    assert.deepEqual(sections, [before, `${block}\nafter`]);
  });

  it("closes and reopens a code block longer than a section, keeping every code line", () => {
    const block = code(200);
    const sections = texts(`Intro\n${block}\nOutro`);
    assertSections(sections);
    assert.ok(sections.length >= 3);
    assert.deepEqual(sections.flatMap(codeLines), codeLines(block));
    assert.equal(sections[0], "Intro");
    assert.ok(sections.at(-1)?.endsWith(`${FENCE}\nOutro`));
  });

  it("closes a code block the text left open", () => {
    assert.deepEqual(texts("x\n```\ncode"), [`x\n${FENCE}\ncode\n${FENCE}`]);
  });

  it("cuts an over-long line at a space, never inside a <link|text>", () => {
    const link = `<https://example.com/${"p".repeat(40)}|${"link text ".repeat(5).trim()}>`;
    const line = Array.from({ length: 120 }, () => `word ${link}`).join(" ");
    const sections = texts(line);
    assertSections(sections);
    for (const section of sections) {
      assert.equal(section.replace(/<[^<>]*>/g, "").match(/[<>]/), null, "a link was cut");
    }
    assert.equal(sections.join(" "), line);
  });

  it("never cuts inside an entity or a surrogate pair", () => {
    for (const unit of ["&amp;", "😀"]) {
      const sections = texts(unit.repeat(2 * SLACK_SECTION_MAX_CHARS));
      assertSections(sections);
      for (const section of sections) assert.equal(section.length % unit.length, 0);
      assert.equal(sections.join(""), unit.repeat(2 * SLACK_SECTION_MAX_CHARS));
    }
  });

  it("cuts an over-long code line without breaking the fence", () => {
    const longLine = "y".repeat(7_000);
    const sections = texts(`${FENCE}\n${longLine}\n${FENCE}`);
    assertSections(sections);
    assert.equal(sections.flatMap(codeLines).join(""), longLine);
  });

  it("stops at maxBlocks and marks the cut with …", () => {
    const input = Array.from({ length: 400 }, (_, i) => paragraph(i)).join("\n\n");
    assert.ok(texts(input, 1_000).length > SLACK_MAX_BLOCKS);
    const capped = texts(input);
    assertSections(capped);
    assert.equal(capped.length, SLACK_MAX_BLOCKS);
    assert.ok(capped.at(-1)?.endsWith("\n…"));
    const few = texts(input, 3);
    assertSections(few);
    assert.equal(few.length, 3);
    assert.ok(few[2]?.endsWith("\n…"));
    assert.deepEqual(texts(input, 0), []);
  });

  it("keeps fences balanced when the cap cuts inside code", () => {
    const sections = texts(code(400), 2);
    assertSections(sections);
    assert.equal(sections.length, 2);
    assert.ok(sections[1]?.endsWith(`${FENCE}\n…`));
  });

  it("splits a converted LLM answer within every limit", () => {
    const markdown = [
      "# Report",
      ...Array.from({ length: 30 }, (_, i) => `- **Item ${i}**: ${"details & more ".repeat(12)}`),
      "```ts",
      ...Array.from({ length: 150 }, (_, i) => `const v${i} = a < b && c > d;`),
      "```",
      "| a | b |\n|---|---|\n| 1 | 2 |",
      paragraph(1),
    ].join("\n");
    const sections = texts(markdownToMrkdwn(markdown));
    assertSections(sections);
    assert.ok(sections.length > 1);
    for (const section of sections) assert.doesNotMatch(section, /&(?!(?:amp|lt|gt);)/);
  });
});

describe("markdownBlock", () => {
  it("wraps Markdown unchanged", () => {
    assert.deepEqual(markdownBlock("**bold** [x](https://x.io)"), {
      type: "markdown",
      text: "**bold** [x](https://x.io)",
    });
  });

  it("exactly the limit is unchanged", () => {
    const text = "a".repeat(SLACK_MARKDOWN_MAX_CHARS);
    assert.equal(markdownBlock(text).text, text);
  });

  it("longer text is cut within the limit at a paragraph, ends with …", () => {
    const markdown = Array.from({ length: 60 }, (_, i) => paragraph(i)).join("\n\n");
    const { text } = markdownBlock(markdown);
    assert.ok(text.length <= SLACK_MARKDOWN_MAX_CHARS);
    assert.ok(text.endsWith("\n\n…"));
    assert.ok(markdown.startsWith(text.slice(0, -"\n\n…".length)));
  });

  it("a cut inside code closes the fence", () => {
    const markdown = `Intro\n${code(400)}`;
    const { text } = markdownBlock(markdown);
    assert.ok(text.length <= SLACK_MARKDOWN_MAX_CHARS);
    const fences = text.split("\n").filter((line) => line.startsWith(FENCE)).length;
    assert.equal(fences % 2, 0);
  });
});

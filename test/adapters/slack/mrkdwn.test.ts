import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { markdownToMrkdwn } from "../../../adapters/slack/mrkdwn.js";

const ZWSP = "\u200b";
const RULE = "─".repeat(20);

/** [name, Markdown, expected mrkdwn] */
type Vector = [string, string, string];

const inlineVectors: Vector[] = [
  ["** bold", "a **bold** b", "a *bold* b"],
  ["__ bold", "a __bold__ b", "a *bold* b"],
  ["* italic", "a *it* b", "a _it_ b"],
  ["_ italic", "a _it_ b", "a _it_ b"],
  ["*** bold italic", "***both***", "_*both*_"],
  ["nested emphasis", "*a **b** c*", "_a *b* c_"],
  ["~~ strike", "a ~~gone~~ b", "a ~gone~ b"],
  ["single ~ is not strike (approximately)", "takes ~5 min, not ~10", "takes ~5 min, not ~10"],
  ["inline code kept", "run `npm test` now", "run `npm test` now"],
  ["nothing converted in inline code", "`**a** _b_ [c](d)`", "`**a** _b_ [c](d)`"],
  ["double-backtick code span", "``a ` b``", "`a ` b`"],
  ["link", "see [the docs](https://example.com/x)", "see <https://example.com/x|the docs>"],
  ["link with title", '[t](https://x.io "Title")', "<https://x.io|t>"],
  ["link with angle destination", "[t](<https://x.io/a b>)", "<https://x.io/a%20b|t>"],
  ["link with formatted text", "[**bold** link](https://x.io)", "<https://x.io|*bold* link>"],
  ["link URL with & | < >", "[q](https://x.io/?a=1&b=2|3)", "<https://x.io/?a=1&amp;b=2%7C3|q>"],
  [
    "link with parentheses in URL",
    "[w](https://en.wikipedia.org/wiki/C_(language))",
    "<https://en.wikipedia.org/wiki/C_(language)|w>",
  ],
  ["empty link text", "[](https://x.io)", "<https://x.io>"],
  ["image", "![a cat](https://x.io/cat.png)", "<https://x.io/cat.png|a cat>"],
  ["image without alt", "![](https://x.io/cat.png)", "<https://x.io/cat.png>"],
  ["autolink kept", "<https://example.com/a?b=1>", "<https://example.com/a?b=1>"],
  ["email autolink", "<ops@example.com>", "<mailto:ops@example.com|ops@example.com>"],
  ["bare URL becomes a link", "Visit https://example.com/a_b_c.", "Visit <https://example.com/a_b_c>."],
  ["bare URL keeps balanced parentheses", "(see https://x.io/p_(1))", "(see <https://x.io/p_(1)>)"],
  ["Slack link syntax kept", "<https://x.io|Docs & more>", "<https://x.io|Docs &amp; more>"],
  ["reference-style brackets stay text", "see [1] and [a] b", "see [1] and [a] b"],
  ["backslash escapes", "\\[not a link\\](x) \\# \\`", "[not a link](x) # `"],
  ["snake_case untouched", "call my_func_name(a_b)", "call my_func_name(a_b)"],
  ["unmatched markers stay literal", "5 * 3 * 2 and a_b", "5 * 3 * 2 and a_b"],
  ["bold ending in punctuation before a word (LLM style)", "**Note:**text", `*Note:*${ZWSP}text`],
  ["bold inside CJK text gets word boundaries", "这是**粗体**文字", `这是${ZWSP}*粗体*${ZWSP}文字`],
  ["no boundary needed next to punctuation", "(**bold**).", "(*bold*)."],
];

const escapingVectors: Vector[] = [
  ["& < > escaped", "a & b < c > d", "a &amp; b &lt; c &gt; d"],
  ["HTML is text", "<div>x</div>", "&lt;div&gt;x&lt;/div&gt;"],
  ["Slack's three entities are not escaped twice", "a &amp; b &lt; c &gt;", "a &amp; b &lt; c &gt;"],
  ["other entities are escaped", "&nbsp; &copy;", "&amp;nbsp; &amp;copy;"],
  ["escaped in inline code", "`a<b && c>d`", "`a&lt;b &amp;&amp; c&gt;d`"],
  ["code entities are literal", "`&amp;`", "`&amp;amp;`"],
  ["escaped in link text", "[a < b](https://x.io)", "<https://x.io|a &lt; b>"],
  ["escaped in headings", "# Q&A", "*Q&amp;A*"],
];

const mentionVectors: Vector[] = [
  ["user mention kept", "ask <@U123ABC> please", "ask <@U123ABC> please"],
  ["user mention with label kept", "<@U123|alice>", "<@U123|alice>"],
  ["channel mention kept", "see <#C024BE7LR|general> and <#C1>", "see <#C024BE7LR|general> and <#C1>"],
  ["date kept", "<!date^1392734382^{date_short}|Feb 18>", "<!date^1392734382^{date_short}|Feb 18>"],
  [
    "broadcasts are neutralised",
    "<!here> <!channel> <!everyone>",
    "&lt;!here&gt; &lt;!channel&gt; &lt;!everyone&gt;",
  ],
  ["group mentions are neutralised", "<!subteam^S123>", "&lt;!subteam^S123&gt;"],
  ["mention inside code is literal", "`<@U1>`", "`&lt;@U1&gt;`"],
  ["mention next to bold", "**hi** <@U1>", "*hi* <@U1>"],
];

const blockVectors: Vector[] = [
  ["h1", "# Title", "*Title*"],
  ["h6 with closing hashes", "###### Small ###", "*Small*"],
  ["bold inside a heading is not doubled", "## The **key** point", "*The key point*"],
  ["italic inside a heading kept", "## The *key* point", "*The _key_ point*"],
  ["not a heading without a space", "#hashtag", "#hashtag"],
  ["bullets", "- a\n* b\n+ c", "• a\n• b\n• c"],
  ["nested bullets", "- a\n  - b\n    - c\n- d", "• a\n    ◦ b\n        ▪ c\n• d"],
  ["4-space nesting same as 2-space", "- a\n    - b", "• a\n    ◦ b"],
  ["numbered list kept", "1. one\n2. two\n10) ten", "1. one\n2. two\n10) ten"],
  ["nested numbers under bullets", "- a\n   1. x\n   2. y", "• a\n    1. x\n    2. y"],
  ["formatting in list items", "- **Bold**: text", "• *Bold*: text"],
  ["task list", "- [ ] todo\n- [x] done", "☐ todo\n☑ done"],
  ["paragraph under an item lines up", "- item\n\n  more about it", "• item\n\n   more about it"],
  ["blockquote", "> quoted **text**", "> quoted *text*"],
  ["nested quotes are flattened", "> a\n>> b", "> a\n> b"],
  ["empty quote lines dropped", "> a\n>\n> b", "> a\n> b"],
  ["list inside a quote", "> - a", "> • a"],
  ["horizontal rules", "---\n***\n_ _ _", `${RULE}\n${RULE}\n${RULE}`],
  ["blank lines collapsed and trimmed", "\n\na\n\n\n\nb\n\n", "a\n\nb"],
  ["line breaks kept, trailing spaces dropped", "one  \ntwo\\\nthree", "one\ntwo\nthree"],
  ["CRLF", "a\r\n**b**\r\n", "a\n*b*"],
  ["empty input", "", ""],
];

const codeVectors: Vector[] = [
  ["fence kept, language dropped", "```ts\nconst a = 1;\n```", "```\nconst a = 1;\n```"],
  [
    "nothing converted inside a fence",
    "```\n**a** _b_ ~~c~~ # d\n- e\n[f](g) <@U1> > q\n| x | y |\n|---|---|\n```",
    "```\n**a** _b_ ~~c~~ # d\n- e\n[f](g) &lt;@U1&gt; &gt; q\n| x | y |\n|---|---|\n```",
  ],
  [
    "escaped inside a fence",
    "```\nif (a < b && c > d) {}\n```",
    "```\nif (a &lt; b &amp;&amp; c &gt; d) {}\n```",
  ],
  ["tilde fence", "~~~\ncode\n~~~", "```\ncode\n```"],
  [
    "indented fence in a list",
    "1. Run:\n   ```sh\n   npm i\n   ```\n2. Next",
    "1. Run:\n```\nnpm i\n```\n2. Next",
  ],
  ["blank lines inside code kept", "```\na\n\n\nb\n```", "```\na\n\n\nb\n```"],
  [
    "longer fence holds a shorter one",
    "````md\n```js\nx\n```\n````",
    `\`\`\`\n\`${ZWSP}\`${ZWSP}\`js\nx\n\`${ZWSP}\`${ZWSP}\`\n\`\`\``,
  ],
  ["one-line triple backticks are inline code", "use ```x``` here", "use `x` here"],
  ["text around code converted", "**a**\n```\n**b**\n```\n**c**", "*a*\n```\n**b**\n```\n*c*"],
  ["empty fence shows nothing", "a\n```\n```\nb", "a\nb"],
];

const tableVectors: Vector[] = [
  [
    "table becomes an aligned grid in a code block",
    "| Name | Qty |\n|------|----:|\n| **apple** | 3 |\n| `kiwi` & co | 12 |",
    // Widths count characters as shown, so the escaped & does not push its row out of line.
    "```\nName      | Qty\n----------+----\napple     |   3\nkiwi &amp; co |  12\n```",
  ],
  [
    "centered column, links and <br> in cells",
    "| a | b |\n|:-:|---|\n| x | [doc](https://x.io)<br>more |",
    "```\na | b\n--+------------------------\nx | doc (https://x.io) more\n```",
  ],
  [
    "text before and after a table",
    "Intro:\n| a | b |\n|---|---|\n| 1 | 2 |\nAfter",
    "Intro:\n```\na | b\n--+--\n1 | 2\n```\nAfter",
  ],
  ["pipes without a delimiter row are text", "a | b\nc | d", "a | b\nc | d"],
];

const streamingVectors: Vector[] = [
  ["unclosed ** closes at the end", "Here is **bol", "Here is *bol*"],
  ["unclosed ~~ closes at the end", "old ~~pri", "old ~pri~"],
  ["unclosed single * stays literal", "*nix systems", "*nix systems"],
  ["dangling ** hidden", "Hello **", "Hello"],
  ["dangling closer half hidden", "Hello **bold**", "Hello *bold*"],
  ["unclosed inline code runs to the end", "run `npm te", "run `npm te`"],
  ["lone backtick hidden", "run `", "run"],
  ["unclosed fence is code to the end", "```py\nprint(1)\nprint(2", "```\nprint(1)\nprint(2\n```"],
  ["fence opening line only", "Code:\n```pyth", "Code:"],
  ["partial closing fence not shown", "```\nx = 1\n``", "```\nx = 1\n```"],
  ["link URL still streaming shows the text", "see [the docs](https://exa", "see the docs"],
  ["link title still streaming", '[t](https://x.io "Tit', "t"],
  ["link text still streaming stays text", "see [the do", "see [the do"],
  ["heading marker alone", "Intro\n## ", "Intro"],
  ["heading still streaming", "## Getting sta", "*Getting sta*"],
  ["list marker alone", "- a\n-", "• a"],
  ["numbered marker alone", "1. a\n2.", "1. a"],
  ["table header alone", "| a | b |", "```\na | b\n```"],
  ["table with part of the delimiter row", "| a | b |\n|--", "```\na | b\n```"],
  ["delimiter row complete enough", "| a | b |\n|---|-", "```\na | b\n--+--\n```"],
  ["quote still streaming", "> quo", "> quo"],
  ["unclosed ** on an earlier line stays literal", "**a\nb", "**a\nb"],
];

function runVectors(name: string, vectors: Vector[]): void {
  describe(name, () => {
    for (const [title, markdown, expected] of vectors) {
      it(title, () => assert.equal(markdownToMrkdwn(markdown), expected));
    }
  });
}

runVectors("markdownToMrkdwn: inline", inlineVectors);
runVectors("markdownToMrkdwn: escaping", escapingVectors);
runVectors("markdownToMrkdwn: Slack mentions", mentionVectors);
runVectors("markdownToMrkdwn: blocks", blockVectors);
runVectors("markdownToMrkdwn: code", codeVectors);
runVectors("markdownToMrkdwn: tables", tableVectors);
runVectors("markdownToMrkdwn: streaming prefixes", streamingVectors);

const SAMPLE = `# Deploying the **bot**

Set these _before_ you start (see [the guide](https://example.com/guide?step=1&lang=en)):

1. Create the app
   - Scopes: \`chat:write\`, \`im:history\`
   - Ask <@U0123ABCD> for access & approval
2. Run:
   \`\`\`bash
   export TOKEN="xoxb-<redacted>" && npm start
   \`\`\`

> **Note:** tokens expire after ~12 hours.

| Setting | Default |
|---------|--------:|
| \`TIMEOUT\` | 30 |
| *retries* | 3 |

---

~~Old way~~ is gone. Questions? Mail <ops@example.com> or see https://example.com/faq.
`;

/**
 * Every & starts one of Slack's three entities; every < opens a <…> that closes on the same line;
 * > appears raw only as a quote marker; code fences pair up.
 */
function assertSlackSafe(output: string, context: string): void {
  assert.doesNotMatch(output, /&(?!(?:amp|lt|gt);)/, `raw & in ${context}`);
  for (const line of output.split("\n")) {
    const stripped = line.replace(/^> /, "").replace(/<[^<>]+>/g, "");
    assert.doesNotMatch(stripped, /[<>]/, `stray < or > in ${context}: ${line}`);
  }
  const fences = output.split("\n").filter((line) => line === "```").length;
  assert.equal(fences % 2, 0, `unbalanced fences in ${context}`);
}

describe("markdownToMrkdwn: a whole answer", () => {
  it("converts a typical LLM answer", () => {
    assert.equal(
      markdownToMrkdwn(SAMPLE),
      [
        "*Deploying the bot*",
        "",
        "Set these _before_ you start (see <https://example.com/guide?step=1&amp;lang=en|the guide>):",
        "",
        "1. Create the app",
        "    ◦ Scopes: `chat:write`, `im:history`",
        "    ◦ Ask <@U0123ABCD> for access &amp; approval",
        "2. Run:",
        "```",
        'export TOKEN="xoxb-&lt;redacted&gt;" &amp;&amp; npm start',
        "```",
        "",
        "> *Note:* tokens expire after ~12 hours.",
        "",
        "```",
        "Setting | Default",
        "--------+--------",
        "TIMEOUT |      30",
        "retries |       3",
        "```",
        "",
        RULE,
        "",
        "~Old way~ is gone. Questions? Mail <mailto:ops@example.com|ops@example.com> or see <https://example.com/faq>.",
      ].join("\n"),
    );
  });

  it("every streamed prefix converts without throwing and stays Slack-safe", () => {
    for (let end = 0; end <= SAMPLE.length; end++) {
      assertSlackSafe(markdownToMrkdwn(SAMPLE.slice(0, end)), `prefix ${end}`);
    }
  });

  it("random Markdown-ish input never throws and stays Slack-safe", () => {
    const alphabet = [
      "*",
      "**",
      "_",
      "~~",
      "`",
      "```",
      "[",
      "]",
      "(",
      ")",
      "<",
      ">",
      "&",
      "#",
      "-",
      "|",
      "\n",
      " ",
      "a",
      "http://x",
      "<@U1>",
      "!",
      "\\",
      "1.",
      ">",
    ];
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 2_000; n++) {
      let input = "";
      const length = Math.floor(random() * 40);
      for (let k = 0; k < length; k++) input += alphabet[Math.floor(random() * alphabet.length)];
      assertSlackSafe(markdownToMrkdwn(input), JSON.stringify(input));
    }
  });
});

describe("markdownToMrkdwn: speed", () => {
  // Hostile inputs that make naive parsers quadratic; 200k characters must stay well under a second.
  const SIZE = 200_000;
  const BUDGET_MS = 1_000;
  const hostile: Record<string, string> = {
    "open brackets": "[".repeat(SIZE),
    "unfinished links": "[a](".repeat(SIZE / 4),
    "unfinished titles": "[a](u 'x".repeat(SIZE / 8),
    "unmatched emphasis": "*a _b ".repeat(SIZE / 6),
    "backtick runs of many lengths": Array.from({ length: 600 }, (_, i) => `${"`".repeat(i + 1)}x`).join(""),
    "angle brackets": "<a:".repeat(SIZE / 3),
    "quote markers": ">".repeat(SIZE),
    "deep lists": Array.from({ length: 2_000 }, (_, i) => `${" ".repeat(i % 200)}- x`).join("\n"),
  };
  for (const [name, input] of Object.entries(hostile)) {
    it(name, () => {
      const started = performance.now();
      markdownToMrkdwn(input);
      assert.ok(performance.now() - started < BUDGET_MS, `${name} took too long`);
    });
  }
});

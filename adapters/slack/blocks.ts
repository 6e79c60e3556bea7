// Block Kit builders for the Slack reply sink: feedback buttons under an answer, mrkdwn text cut
// into section blocks within Slack's size limits (code fences balanced in every section), and the
// Markdown block. Pure: no I/O, no state.
import type { ContextActionsBlock, MarkdownBlock, SectionBlock } from "@slack/web-api";
import { appendWithin } from "../../src/reply/split.js";

/** Top-level message `text`: Slack asks for at most 4,000 characters (longer fails msg_too_long or is split). */
export const SLACK_TEXT_MAX_CHARS = 4_000;
/** Section block `text`: "Maximum length for the text in this field is 3000 characters" (section block reference). */
export const SLACK_SECTION_MAX_CHARS = 3_000;
/** Markdown block `text`, and the sum over one message's markdown blocks (markdown block reference). */
export const SLACK_MARKDOWN_MAX_CHARS = 12_000;
/** Blocks in one message: "You can include up to 50 blocks in each message" (Block Kit reference). */
export const SLACK_MAX_BLOCKS = 50;
/** action_id and block_id: "Maximum length for this field is 255 characters" (Block Kit reference). */
const SLACK_ID_MAX_CHARS = 255;

/** The `value` a feedback click carries. */
export const FEEDBACK_POSITIVE = "positive";
export const FEEDBACK_NEGATIVE = "negative";
export type FeedbackValue = typeof FEEDBACK_POSITIVE | typeof FEEDBACK_NEGATIVE;
/** Read by screen readers instead of the emoji (Slack allows 75 characters). */
const FEEDBACK_POSITIVE_LABEL = "Good answer";
const FEEDBACK_NEGATIVE_LABEL = "Bad answer";

/** Ends text cut short to fit. */
const TRUNCATION_MARK = "…";
const FENCE = "```";

/**
 * Thumbs-up / thumbs-down buttons: a context_actions block holding one feedback_buttons element
 * (docs.slack.dev/reference/block-kit/blocks/context-actions-block). A click sends `actionId` with
 * the value "positive" or "negative".
 */
export function feedbackBlock(actionId: string, blockId?: string): ContextActionsBlock {
  checkId("actionId", actionId);
  if (blockId !== undefined) checkId("blockId", blockId);
  return {
    type: "context_actions",
    ...(blockId === undefined ? {} : { block_id: blockId }),
    elements: [
      {
        type: "feedback_buttons",
        action_id: actionId,
        positive_button: {
          text: { type: "plain_text", text: "👍" },
          value: FEEDBACK_POSITIVE,
          accessibility_label: FEEDBACK_POSITIVE_LABEL,
        },
        negative_button: {
          text: { type: "plain_text", text: "👎" },
          value: FEEDBACK_NEGATIVE,
          accessibility_label: FEEDBACK_NEGATIVE_LABEL,
        },
      },
    ],
  };
}

/**
 * mrkdwn text as section blocks of at most SLACK_SECTION_MAX_CHARS each, cut at line breaks. A
 * code block that does not fit where it starts begins a new section; one longer than a section is
 * closed at the cut and reopened in the next. At most `maxBlocks` sections: beyond that the text
 * is cut short and ends with "…". Expanded, so Slack does not fold long answers behind "See more".
 */
export function sectionBlocks(mrkdwn: string, maxBlocks: number = SLACK_MAX_BLOCKS): SectionBlock[] {
  if (maxBlocks < 1) return [];
  let pieces = splitMrkdwn(mrkdwn, SLACK_SECTION_MAX_CHARS);
  if (pieces.length > maxBlocks) {
    const last = pieces[maxBlocks - 1] ?? "";
    const [head = ""] = splitMrkdwn(last, SLACK_SECTION_MAX_CHARS - TRUNCATION_MARK.length - 1);
    pieces = [...pieces.slice(0, maxBlocks - 1), `${head}\n${TRUNCATION_MARK}`];
  }
  return pieces.map((text) => ({ type: "section", text: { type: "mrkdwn", text }, expand: true }));
}

/** A `markdown` block (standard Markdown; Slack renders it). Longer text is cut at a good boundary, ending "…". */
export function markdownBlock(markdown: string): MarkdownBlock {
  const text =
    markdown.length <= SLACK_MARKDOWN_MAX_CHARS
      ? markdown
      : appendWithin(markdown, `\n\n${TRUNCATION_MARK}`, SLACK_MARKDOWN_MAX_CHARS).text;
  return { type: "markdown", text };
}

function checkId(name: string, id: string): void {
  if (id === "" || id.length > SLACK_ID_MAX_CHARS) {
    throw new RangeError(`${name} must be 1 to ${SLACK_ID_MAX_CHARS} characters, got ${id.length}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Splitting mrkdwn.

/** A text line, or a whole code block (opening line, body, closing line if it had one). */
type Segment = { kind: "text"; line: string } | { kind: "code"; open: string; body: string[] };

/** Pieces of at most `max` characters, none blank, each with its code fences balanced. */
function splitMrkdwn(text: string, max: number): string[] {
  const pieces: string[] = [];
  let current: string[] = [];
  let length = 0;
  const fits = (extra: number) => (current.length === 0 ? extra : length + 1 + extra) <= max;
  const add = (line: string) => {
    // A piece does not start with blank lines.
    if (current.length === 0 && line.trim() === "") return;
    length = current.length === 0 ? line.length : length + 1 + line.length;
    current.push(line);
  };
  const flush = () => {
    while (current.length > 0 && (current[current.length - 1] ?? "").trim() === "") current.pop();
    if (current.length > 0) pieces.push(current.join("\n"));
    current = [];
    length = 0;
  };

  for (const segment of segments(text)) {
    if (segment.kind === "text") {
      if (!fits(segment.line.length)) flush();
      const parts = segment.line.length <= max ? [segment.line] : cutLine(segment.line, max, true);
      parts.forEach((part, index) => {
        if (index > 0) flush();
        add(part);
      });
      continue;
    }
    const block = [segment.open, ...segment.body, FENCE];
    const blockLength = block.reduce((sum, line) => sum + line.length + 1, -1);
    // A code block that fits in one piece is never cut: it starts a new piece when it must.
    if (!fits(blockLength)) flush();
    if (blockLength <= max) {
      for (const line of block) add(line);
      continue;
    }
    // Longer than a piece: closed at each cut and reopened in the next piece.
    const open = segment.open.length + FENCE.length + 2 < max ? segment.open : FENCE;
    const room = max - Math.max(open.length, FENCE.length) - FENCE.length - 2;
    const lines = segment.body.flatMap((line) => (line.length <= room ? [line] : cutLine(line, room, false)));
    add(open);
    let bodyLines = 0;
    for (const line of lines) {
      if (bodyLines > 0 && !fits(line.length + 1 + FENCE.length)) {
        add(FENCE);
        flush();
        add(FENCE);
        bodyLines = 0;
      }
      // Blank code lines count: add() only skips blank lines at the start of a piece, never here.
      length += 1 + line.length;
      current.push(line);
      bodyLines++;
    }
    add(FENCE);
  }
  flush();
  return pieces;
}

function segments(text: string): Segment[] {
  const lines = text.split("\n");
  const result: Segment[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (!opensFence(line)) {
      result.push({ kind: "text", line });
      continue;
    }
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] ?? "").trimStart().startsWith(FENCE); i++)
      body.push(lines[i] ?? "");
    // The closing line (if any) is replaced by a plain fence; one is added when the text ended inside the block.
    result.push({ kind: "code", open: line, body });
  }
  return result;
}

/** A line starting a code block: it begins with ``` and is not a whole ```code``` span by itself. */
function opensFence(line: string): boolean {
  const trimmed = line.trim();
  return trimmed.startsWith(FENCE) && !(trimmed.length > 2 * FENCE.length && trimmed.endsWith(FENCE));
}

/**
 * Cuts a line longer than `max` into parts of at most `max`. Never inside a Slack <…> link or
 * mention, an entity (&amp;) or a surrogate pair; text (`atSpaces`) prefers a space in the second
 * half of the budget, and the space itself is dropped.
 */
function cutLine(line: string, max: number, atSpaces: boolean): string[] {
  const parts: string[] = [];
  let rest = line;
  while (rest.length > max) {
    const { cut, skip } = findCut(rest, max, atSpaces);
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut + skip);
  }
  parts.push(rest);
  return parts;
}

function findCut(text: string, max: number, atSpaces: boolean): { cut: number; skip: number } {
  let insideLink = false;
  let entityEnd = 0;
  let lastSafe = 0;
  let lastSpace = -1;
  for (let i = 0; i <= max; i++) {
    const code = text.charCodeAt(i);
    const lowSurrogate = code >= 0xdc00 && code <= 0xdfff;
    // Cutting before index i leaves text.slice(0, i) in this part.
    if (i > 0 && !insideLink && i >= entityEnd && !lowSurrogate) {
      lastSafe = i;
      if (text[i] === " ") lastSpace = i;
    }
    const ch = text[i];
    if (ch === "<") insideLink = true;
    else if (ch === ">") insideLink = false;
    else if (ch === "&") {
      const entity = /^&(?:amp|lt|gt);/.exec(text.slice(i, i + 5));
      if (entity) entityEnd = i + entity[0].length;
    }
  }
  if (atSpaces && lastSpace >= Math.floor(max / 2)) return { cut: lastSpace, skip: 1 };
  if (lastSafe > 0) return { cut: lastSafe, skip: 0 };
  // One token longer than the budget: cut it anyway, but not between a surrogate pair.
  const high = text.charCodeAt(max - 1);
  return { cut: high >= 0xd800 && high <= 0xdbff && max > 1 ? max - 1 : max, skip: 0 };
}

// The "Sources" list under an On Your Data answer in Slack: `[n] <url|title>` lines in context
// blocks (small grey text under the answer) for section-block messages, or a Markdown list for
// messages that use markdown_text or the markdown block. Pure: no I/O, no state.
import type { ContextBlock } from "@slack/web-api";
import { ELLIPSIS, linkUrl, truncateAtWord } from "../../src/citations/sources.js";
import type { NumberedSource } from "../../src/citations/types.js";
import { SLACK_MARKDOWN_MAX_CHARS, SLACK_MAX_BLOCKS } from "./blocks.js";

/**
 * A text object's `text` (each context block here holds one mrkdwn element): "The maximum length
 * is 3000 characters" (Block Kit composition objects reference, text object).
 */
export const SLACK_TEXT_OBJECT_MAX_CHARS = 3_000;
/** Longest title shown in a Sources line (our choice: a Sources list is a list, not a paragraph). */
export const SLACK_SOURCE_TITLE_MAX_CHARS = 150;

const HEADING_MRKDWN = "*Sources*";
const HEADING_MARKDOWN = "**Sources**";
/** Room kept for the line counting sources left out ("… and 12345 more"). */
const MORE_LINE_RESERVE_CHARS = 24;
/** Any line up to this long fits one block with the heading and the count line. */
const MRKDWN_LINE_MAX_CHARS =
  SLACK_TEXT_OBJECT_MAX_CHARS - HEADING_MRKDWN.length - MORE_LINE_RESERVE_CHARS - 2;

/**
 * Context blocks listing the sources, one mrkdwn element each: "*Sources*" then one line per
 * source, `[n] <url|title>` (title alone without a url). Lines fill a block up to Slack's 3,000
 * characters and continue in the next; at most `maxBlocks` blocks (what the message has left of
 * its 50): when the list does not fit, its last line says how many sources were left out. No
 * sources or no room: no blocks.
 */
export function sourcesBlocks(
  sources: readonly NumberedSource[],
  maxBlocks: number = SLACK_MAX_BLOCKS,
): ContextBlock[] {
  if (sources.length === 0 || maxBlocks < 1) return [];
  const lines = sources.map(mrkdwnLine);
  const texts = fillPieces(HEADING_MRKDWN, lines, SLACK_TEXT_OBJECT_MAX_CHARS, maxBlocks);
  return texts.map((text) => ({ type: "context", elements: [{ type: "mrkdwn", text }] }));
}

/**
 * The sources as Markdown for markdown_text or a markdown block: "**Sources**" and an ordered
 * list, `1. [title](url)`. Sources are numbered densely from 1 (CommonMark numbers a list from its
 * first item), so the list numbers match the [n] markers. At most `maxChars` (Slack's markdown
 * limit by default; pass what the message has left); what does not fit is counted in a last line.
 * "" without sources.
 */
export function sourcesMarkdown(
  sources: readonly NumberedSource[],
  maxChars: number = SLACK_MARKDOWN_MAX_CHARS,
): string {
  if (sources.length === 0) return "";
  const lines = sources.map(markdownLine);
  const [text = ""] = fillPieces(HEADING_MARKDOWN, lines, maxChars, 1);
  // Not even one source (or the count line) fits: no section at all.
  return text.length > HEADING_MARKDOWN.length && text.length <= maxChars ? text : "";
}

/** `[n] <url|title>` in mrkdwn; the title alone without a usable link. */
export function mrkdwnLine(source: NumberedSource): string {
  const title = escapeMrkdwn(truncateAtWord(source.title, SLACK_SOURCE_TITLE_MAX_CHARS));
  const url = linkUrl(source.url);
  const linked = `[${source.n}] <${escapeMrkdwnUrl(url ?? "")}|${title}>`;
  // A link so long the line would not fit a block next to the heading and the count line shows the title alone.
  return url !== undefined && linked.length <= MRKDWN_LINE_MAX_CHARS ? linked : `[${source.n}] ${title}`;
}

/** `n. [title](url)` in Markdown; the title alone without a usable link. */
export function markdownLine(source: NumberedSource): string {
  const title = escapeMarkdown(truncateAtWord(source.title, SLACK_SOURCE_TITLE_MAX_CHARS));
  const url = linkUrl(source.url);
  return `${source.n}. ${url === undefined ? title : `[${title}](${escapeMarkdownUrl(url)})`}`;
}

function moreLine(left: number): string {
  return `${ELLIPSIS} and ${left} more`;
}

/**
 * Joins `heading` and `lines` into at most `maxPieces` texts of at most `max` characters each,
 * a piece ending at a whole line. When lines are left over, the last piece ends with a line
 * counting them (lines dropped from its end to make room).
 */
function fillPieces(heading: string, lines: readonly string[], max: number, maxPieces: number): string[] {
  const pieces: string[][] = [[heading]];
  const lengths = [heading.length];
  let used = 0;
  for (const line of lines) {
    const last = pieces.length - 1;
    const length = lengths[last] ?? 0;
    if (length + 1 + line.length <= max) {
      pieces[last]?.push(line);
      lengths[last] = length + 1 + line.length;
    } else if (pieces.length < maxPieces && line.length <= max) {
      pieces.push([line]);
      lengths.push(line.length);
    } else break;
    used++;
  }
  const last = pieces[pieces.length - 1] ?? [];
  let length = lengths[lengths.length - 1] ?? 0;
  if (used < lines.length) {
    // Make room for the count line in the last piece; it never removes the heading.
    while (last.length > 1 && length + 1 + moreLine(lines.length - used).length > max) {
      length -= (last.pop() ?? "").length + 1;
      used--;
    }
    const more = moreLine(lines.length - used);
    if (length + 1 + more.length <= max) last.push(more);
  }
  return pieces.map((piece) => piece.join("\n"));
}

/** Text in mrkdwn: &, < and > as entities (Slack's only escapes). */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A URL inside <url|text>: & as an entity; < > | and spaces, which would end it, percent-encoded. */
function escapeMrkdwnUrl(url: string): string {
  return url.replace(/[&<>| ]/g, (ch) =>
    ch === "&" ? "&amp;" : `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Markdown link text: backslash before the characters that would end it or format it. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\[\]*_`~<>]/g, "\\$&");
}

/** A Markdown link destination: spaces, parentheses and angle brackets percent-encoded. */
function escapeMarkdownUrl(url: string): string {
  return url.replace(/[ ()<>]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

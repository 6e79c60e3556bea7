// Shared helpers that turn an "On Your Data" citation into a source people can read: a title, a
// link (only http and https), and a short plain-text excerpt. Platform adapters cut them further
// to their own limits with truncateAtWord. Pure; no platform knowledge.
import type { Citation, NumberedSource } from "./types.js";

/** Ends text cut short to fit. */
export const ELLIPSIS = "…";
/** Longest excerpt of a citation's content kept on a NumberedSource (platforms cut it further). */
export const SNIPPET_MAX_CHARS = 200;
/** Longest title kept on a NumberedSource (platforms cut it further). */
export const TITLE_MAX_CHARS = 200;
/** Longest URL taken as a link; longer values are not shown as links (browsers take about 2,000 safely). */
export const URL_MAX_CHARS = 2_048;
/**
 * Content scanned for the excerpt: a chunk from the index can be thousands of characters, and only
 * the start is shown. Room for the markup that cleaning removes.
 */
const SNIPPET_SCAN_CHARS = 4_000;
/** A cut at a word boundary is used when it keeps at least this share of the budget. */
const MIN_WORD_CUT_RATIO = 0.5;

const HTML_ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
  "&apos;": "'",
  "&nbsp;": " ",
};

/** Runs of whitespace (any kind, line breaks included) become one space; both ends trimmed. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * `text` when it has at most `max` characters; otherwise cut at a word boundary (when one keeps
 * at least half of the budget) and ended with "…", the result at most `max` long. Never splits a
 * surrogate pair.
 */
export function truncateAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= ELLIPSIS.length) return max <= 0 ? "" : ELLIPSIS.slice(0, max);
  const room = max - ELLIPSIS.length;
  let cut = room;
  // text[room] is the first character that does not fit: a cut before a space ends a whole word.
  if (!/\s/.test(text[room] ?? "")) {
    const space = lastWhitespace(text, room);
    if (space >= Math.ceil(room * MIN_WORD_CUT_RATIO)) cut = space;
  }
  const low = text.charCodeAt(cut);
  if (low >= 0xdc00 && low <= 0xdfff) cut--;
  const head = text
    .slice(0, cut)
    .replace(/[\s,;:([{-]+$/u, "")
    .trimEnd();
  return `${head}${ELLIPSIS}`;
}

function lastWhitespace(text: string, before: number): number {
  for (let i = before - 1; i > 0; i--) if (/\s/.test(text[i] ?? "")) return i;
  return -1;
}

/**
 * A link to show for `value`: an absolute http(s) URL, trimmed, inner spaces encoded as %20.
 * Anything else (a relative path, file:, javascript:, an over-long value) is not a link: undefined.
 */
export function linkUrl(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const url = value.trim().replace(/\s/g, "%20");
  if (url.length > URL_MAX_CHARS) return undefined;
  return /^https?:\/\/[^/?#@%\s][^/?#\s]*(?:[/?#]|$)/i.test(url) ? url : undefined;
}

/** Plain text from Markdown or HTML content: tags, link syntax, emphasis, table pipes and extra whitespace gone. */
export function plainText(content: string): string {
  return collapseWhitespace(
    content
      .replace(/<!--[\s\S]*?-->/g, " ")
      .replace(/<\/?[A-Za-z][^<>]{0,500}>/g, " ")
      .replace(/&(?:amp|lt|gt|quot|#39|apos|nbsp);/g, (entity) => HTML_ENTITIES[entity] ?? entity)
      // ![alt](url) and [text](url) keep only their text.
      .replace(/!?\[([^\]\n]*)\]\([^)\n]*\)/g, "$1")
      // Code fences, headings, quotes and list markers at the start of a line.
      .replace(/^[ \t]*(?:`{3,}|~{3,}).*$/gm, " ")
      .replace(/^[ \t]*(?:#{1,6}|>+|[-*+]|\d{1,9}[.)])(?=[ \t])/gm, " ")
      // Rules, table delimiter rows and table pipes.
      .replace(/^[ \t|:=*_-]{3,}$/gm, " ")
      .replace(/\|/g, " ")
      // Emphasis and code markers; a single _ inside a word (file_name) stays.
      .replace(/[*`]+|~~|(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, ""),
  );
}

/** The first `max` characters of a citation's content as plain text, cut at a word with "…". */
export function snippet(content: string | null | undefined, max: number = SNIPPET_MAX_CHARS): string {
  if (!content) return "";
  return truncateAtWord(plainText(content.slice(0, SNIPPET_SCAN_CHARS)), max);
}

/** A title for citation number `n`: its title, else its file path, else its URL, else "Source n". */
export function sourceTitle(citation: Citation, n: number): string {
  for (const candidate of [citation.title, citation.filepath, citation.url]) {
    const title = collapseWhitespace(candidate ?? "");
    if (title !== "") return truncateAtWord(title, TITLE_MAX_CHARS);
  }
  return `Source ${n}`;
}

/** The link of a citation: its URL, else its file path when that is an http(s) URL. */
export function sourceUrl(citation: Citation): string | undefined {
  return linkUrl(citation.url) ?? linkUrl(citation.filepath);
}

/**
 * The source shown as `[n]` for a citation. Without a link, the file path follows the title so
 * people can still find the document: `Vacation policy (hr/vacation.pdf)`.
 */
export function toNumberedSource(citation: Citation, n: number): NumberedSource {
  const url = sourceUrl(citation);
  const title = sourceTitle(citation, n);
  const path = collapseWhitespace(citation.filepath ?? "");
  const shown = url === undefined && path !== "" && !title.includes(path) ? `${title} (${path})` : title;
  return {
    n,
    title: truncateAtWord(shown, TITLE_MAX_CHARS),
    ...(url === undefined ? {} : { url }),
    snippet: snippet(citation.content),
  };
}
